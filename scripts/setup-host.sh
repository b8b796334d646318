#!/usr/bin/env bash
# Prepares a Debian 12 host, as root, to build and test lyceum: installs the Debian packages,
# starts the Docker engine (without systemd), installs Compose v2 and v1, installs the Node
# dependencies, builds the project and builds the local test images. Each step is skipped when its result is already present, so
# running the script again is fast.
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"

readonly DEBIAN_PACKAGES=(docker.io acl busybox-static debootstrap coreutils curl openssl python3 rclone fuse3)

# Compose v2 comes from Debian's development suite, because Debian 12 has only v1. The package is
# a Go binary that needs nothing but libc, so the script unpacks it without installing it.
readonly COMPOSE_V2_SUITE=sid
readonly COMPOSE_V2_MIRROR=http://deb.debian.org/debian
readonly COMPOSE_V2_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly COMPOSE_PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
# Compose v1 (1.29) is Debian 12's own docker-compose package; lyceum falls back to it.
readonly COMPOSE_V1_PACKAGE=docker-compose

readonly DOCKERD_LOG=/var/log/dockerd.log
readonly DOCKERD_PID_FILE=/var/run/docker.pid
readonly DOCKERD_START_TIMEOUT_SECONDS=60

log() {
  printf 'setup-host: %s\n' "$*"
}

fail() {
  printf 'setup-host: error: %s\n' "$*" >&2
  exit 1
}

require_root() {
  if ((EUID != 0)); then
    fail "$1 requires root, so run this script as root"
  fi
}

is_package_installed() {
  [[ "$(dpkg-query --show --showformat='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

install_debian_packages() {
  local missing=()
  local package
  for package in "${DEBIAN_PACKAGES[@]}"; do
    if ! is_package_installed "$package"; then
      missing+=("$package")
    fi
  done

  # S3 clients the tests drive: Debian's packages only when none is there already, since many
  # hosts have the AWS CLI and boto3 from pip.
  command -v aws >/dev/null 2>&1 || missing+=(awscli)
  python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)

  if ((${#missing[@]} == 0)); then
    log "Debian packages: already installed"
    return
  fi

  require_root "installing ${missing[*]}"
  log "Debian packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
}

# Checks the pid file that dockerd writes, because procps (pgrep) may be missing on a fresh host.
is_dockerd_running() {
  local pid
  pid="$(cat "$DOCKERD_PID_FILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]]
}

is_docker_engine_ready() {
  docker info >/dev/null 2>&1
}

start_docker_engine() {
  if is_docker_engine_ready; then
    log "Docker engine: already running"
    return
  fi

  # A dockerd that is still starting (for example from a concurrent run of this script) owns
  # the socket and pid file, so a second one would exit at once. Wait for the first instead.
  if is_dockerd_running; then
    log "Docker engine: dockerd is running but not ready yet, waiting"
  else
    # A dockerd that died without cleaning up (killed, or the machine stopped) leaves its pid
    # file behind, and a new dockerd refuses to start while the file is there.
    if [[ -e "$DOCKERD_PID_FILE" ]]; then
      log "Docker engine: removing the stale pid file $DOCKERD_PID_FILE (no dockerd has that pid)"
      rm -f "$DOCKERD_PID_FILE"
    fi
    # Without inter-container traffic on the default bridge, runs can join it and still not reach
    # one another, which spares each run the start-up cost of a network of its own kind. A
    # daemon.json that sets icc itself wins, since dockerd refuses a setting given twice.
    local dockerd_flags=()
    if ! grep -qs '"icc"' /etc/docker/daemon.json; then
      dockerd_flags+=(--icc=false)
    fi
    log "Docker engine: starting dockerd ${dockerd_flags[*]}, log in $DOCKERD_LOG"
    # setsid and nohup detach dockerd from this script's session and terminal. The
    # redirections keep it from holding this script's stdout open, so a caller that pipes
    # this output (such as .ci/run through tee) does not wait for dockerd to exit.
    setsid nohup dockerd "${dockerd_flags[@]}" >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi

  local deadline=$((SECONDS + DOCKERD_START_TIMEOUT_SECONDS))
  until is_docker_engine_ready; do
    if ((SECONDS >= deadline)); then
      printf 'setup-host: last lines of %s:\n' "$DOCKERD_LOG" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      fail "timed out after ${DOCKERD_START_TIMEOUT_SECONDS} s waiting for the Docker engine ('docker info' kept failing), see $DOCKERD_LOG"
    fi
    sleep 1
  done
  log "Docker engine: ready"
}

# Installs the Compose v2 plugin from sid's docker-compose package without installing any sid
# package: apt reads sid's package lists from a private state directory, downloads the one .deb,
# and the plugin binary is copied out of it. The system's apt sources and dpkg database are not
# changed.
install_compose_v2() {
  if docker compose version >/dev/null 2>&1; then
    log "Compose v2: already installed ($(docker compose version --short))"
    return
  fi
  require_root "installing Compose v2"
  log "Compose v2: downloading docker-compose from Debian $COMPOSE_V2_SUITE"

  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/lyceum-compose.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the local variable is gone when the trap runs
  trap "rm -rf -- '$work'" RETURN
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/package"
  printf 'deb [signed-by=%s] %s %s main\n' "$COMPOSE_V2_KEYRING" "$COMPOSE_V2_MIRROR" \
    "$COMPOSE_V2_SUITE" >"$work/sources.list"
  local apt_options=(
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "Dir::Etc::SourceList=$work/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "APT::Get::List-Cleanup=0"
  )
  apt-get "${apt_options[@]}" -qq update
  (cd -- "$work" && apt-get "${apt_options[@]}" -qq download "docker-compose/$COMPOSE_V2_SUITE")

  local package
  package="$(find "$work" -maxdepth 1 -name 'docker-compose_*.deb' -print -quit)"
  [[ -n "$package" ]] || fail "apt-get download docker-compose/$COMPOSE_V2_SUITE saved no package"
  dpkg -x "$package" "$work/package"
  local plugin="$work/package/usr/libexec/docker/cli-plugins/docker-compose"
  [[ -x "$plugin" ]] || fail "$(basename -- "$package") has no usr/libexec/docker/cli-plugins/docker-compose"
  install -D -m 0755 "$plugin" "$COMPOSE_PLUGIN_DIR/docker-compose"
  docker compose version >/dev/null 2>&1 ||
    fail "docker compose does not run after copying the plugin to $COMPOSE_PLUGIN_DIR"
  log "Compose v2: installed $(docker compose version --short) in $COMPOSE_PLUGIN_DIR"
}

install_compose_v1() {
  if command -v docker-compose >/dev/null 2>&1; then
    log "Compose v1: already installed ($(docker-compose version --short))"
    return
  fi
  require_root "installing Compose v1"
  log "Compose v1: installing Debian's $COMPOSE_V1_PACKAGE"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$COMPOSE_V1_PACKAGE"
}

install_node_dependencies() {
  if [[ ! -f "$repo_root/package.json" ]]; then
    log "Node dependencies: skipped, $repo_root/package.json not found"
    return
  fi

  # npm (7 and later) writes node_modules/.package-lock.json when an install completes, and
  # npm 11 writes it after package-lock.json. A missing or older copy therefore means the
  # install is out of date or did not finish. The mtime of node_modules itself can predate
  # package-lock.json after a complete install, so it is no reliable marker.
  local installed_marker="$repo_root/node_modules/.package-lock.json"
  if [[ -f "$installed_marker" && ! "$repo_root/package-lock.json" -nt "$installed_marker" ]]; then
    log "Node dependencies: up to date"
  else
    log "Node dependencies: running npm ci"
    (cd -- "$repo_root" && npm ci --no-audit --no-fund)
  fi

  log "Build: running npm run build"
  (cd -- "$repo_root" && npm run build)
}

install_debian_packages
start_docker_engine
install_compose_v2
install_compose_v1
install_node_dependencies
log "Test images: running scripts/build-test-images.sh"
"$repo_root/scripts/build-test-images.sh"
log "done"
