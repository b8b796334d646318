#!/usr/bin/env bash
# Prepares a Debian 12 host, as root, to build and test lyceum: installs the Debian packages,
# starts the Docker engine (without systemd), installs the Node dependencies, builds the project
# and builds the local test images. Each step is skipped when its result is already present, so
# running the script again is fast.
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"

readonly DEBIAN_PACKAGES=(docker.io acl busybox-static debootstrap coreutils curl rclone fuse3)

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

  if ((EUID != 0)); then
    fail "installing ${missing[*]} requires root, so run this script as root"
  fi
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
    log "Docker engine: starting dockerd, log in $DOCKERD_LOG"
    # setsid and nohup detach dockerd from this script's session and terminal. The
    # redirections keep it from holding this script's stdout open, so a caller that pipes
    # this output (such as .ci/run through tee) does not wait for dockerd to exit.
    setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
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
install_node_dependencies
log "Test images: running scripts/build-test-images.sh"
"$repo_root/scripts/build-test-images.sh"
log "done"
