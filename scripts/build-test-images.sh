#!/usr/bin/env bash
# Builds the local images that the Docker tests use, without any registry. Nothing is pulled.
# - lyceum-test/busybox:1 is busybox-static in an empty root, with the users root (uid 0),
#   app (uid 1000) and nobody2 (uid 2000).
# - lyceum-test/busybox-nonroot:1 is the same image with USER 1000.
# - lyceum-test/python:2 is a Debian 12 minbase root from debootstrap with python3, boto3, pip and
#   the user app (uid 1000).
# - lyceum-test/python-nonroot:1 is the same image with USER app.
# An image that `docker image inspect` already finds is not rebuilt. The script requires root,
# a running Docker engine and the Debian packages busybox-static and debootstrap.
set -euo pipefail

readonly BUSYBOX_IMAGE=lyceum-test/busybox:1
readonly PYTHON_IMAGE=lyceum-test/python:2
readonly NONROOT_IMAGE=lyceum-test/busybox-nonroot:1
readonly PYTHON_NONROOT_IMAGE=lyceum-test/python-nonroot:1
readonly BUSYBOX_BINARY=/bin/busybox
readonly DEBIAN_SUITE=bookworm
readonly DEBIAN_MIRROR=http://deb.debian.org/debian

# Applets linked into /bin of the busybox image. Tests may rely on any of these.
readonly BUSYBOX_APPLETS=(
  sh cat ls echo mkdir sleep env id touch rm dd head tail sha256sum md5sum wc stat sync
  grep sed awk cp mv chmod chown printf true false kill tr seq cut sort uniq find xargs
  date test expr mount du df ps
  '[' basename dirname ln readlink rmdir tee whoami uname hostname umount
)

log() {
  printf 'build-test-images: %s\n' "$*"
}

fail() {
  printf 'build-test-images: error: %s\n' "$*" >&2
  exit 1
}

image_exists() {
  docker image inspect "$1" >/dev/null 2>&1
}

# Temporary build directories, removed on exit. debootstrap mounts /proc and /sys (and on some
# hosts /dev) inside its target while it runs, and a killed debootstrap leaves them mounted.
# The cleanup therefore unmounts everything below a directory first and keeps rm on one file
# system.
build_roots=()

remove_build_roots() {
  local root mount_point
  for root in "${build_roots[@]}"; do
    [[ -d "$root" ]] || continue
    # /proc/self/mounts lists parents before children, so unmount in reverse order.
    while read -r mount_point; do
      umount --lazy "$mount_point" || true
    done < <(awk -v prefix="$root/" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts | tac)
    rm -rf --one-file-system -- "$root"
  done
}
trap remove_build_roots EXIT

# Creates an empty temporary directory, stores its path in build_root and removes it on exit.
make_build_root() {
  build_root="$(mktemp -d "${TMPDIR:-/tmp}/lyceum-image.XXXXXX")"
  build_roots+=("$build_root")
}

build_busybox_image() {
  if image_exists "$BUSYBOX_IMAGE"; then
    log "$BUSYBOX_IMAGE: already present"
    return
  fi
  [[ -x "$BUSYBOX_BINARY" ]] || fail "$BUSYBOX_BINARY not found; install the Debian package busybox-static"
  log "$BUSYBOX_IMAGE: building"

  local build_root root
  make_build_root
  root="$build_root"
  chmod 0755 "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/mnt" "$root/root" "$root/home/app" "$root/tmp"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  chown 1000:1000 "$root/home/app"
  cp "$BUSYBOX_BINARY" "$root/bin/busybox"

  local available_applets applet
  available_applets="$("$BUSYBOX_BINARY" --list)"
  for applet in "${BUSYBOX_APPLETS[@]}"; do
    if ! grep -qxF -- "$applet" <<<"$available_applets"; then
      fail "$BUSYBOX_BINARY has no applet '$applet'"
    fi
    ln -s busybox "$root/bin/$applet"
  done

  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody2:x:2000:2000:nobody2:/tmp:/bin/sh
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nobody2:x:2000:
EOF

  tar --numeric-owner -C "$root" -c . | docker import -c 'CMD ["sh"]' - "$BUSYBOX_IMAGE" >/dev/null
  log "$BUSYBOX_IMAGE: built"
}

# Commits a container of BASE as IMAGE with USER changed, as many published images run: this
# needs no builder and no registry.
build_user_variant() {
  local image="$1" base="$2" user="$3"
  if image_exists "$image"; then
    log "$image: already present"
    return
  fi
  local container
  container="$(docker create "$base")"
  docker commit --change "USER $user" "$container" "$image" >/dev/null
  docker rm "$container" >/dev/null
  log "$image: built"
}

build_python_image() {
  if image_exists "$PYTHON_IMAGE"; then
    log "$PYTHON_IMAGE: already present"
    return
  fi
  command -v debootstrap >/dev/null || fail "debootstrap not found; install the Debian package debootstrap"
  log "$PYTHON_IMAGE: building with debootstrap from $DEBIAN_MIRROR (about a minute)"

  local build_root root debootstrap_log
  make_build_root
  debootstrap_log="$build_root/debootstrap.log"
  root="$build_root/root"
  if ! debootstrap --variant=minbase --include=python3,python3-boto3,python3-pip \
    "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$debootstrap_log" 2>&1; then
    tail -n 20 "$debootstrap_log" >&2
    if [[ -f "$root/debootstrap/debootstrap.log" ]]; then
      tail -n 20 "$root/debootstrap/debootstrap.log" >&2
    fi
    fail "debootstrap of $DEBIAN_SUITE from $DEBIAN_MIRROR failed; see the lines above"
  fi

  # The downloaded .deb files and apt's package lists only add size. Running apt-get update in
  # a container restores the lists.
  rm -f "$root"/var/cache/apt/archives/*.deb
  rm -rf "$root"/var/lib/apt/lists/*
  chroot "$root" useradd --create-home --uid 1000 --user-group --shell /bin/bash app

  tar --numeric-owner -C "$root" -c . |
    docker import -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$PYTHON_IMAGE" >/dev/null
  log "$PYTHON_IMAGE: built"
}

docker info >/dev/null 2>&1 ||
  fail "'docker info' failed, so the Docker engine is not running; start it first (scripts/setup-host.sh does)"
build_busybox_image
build_user_variant "$NONROOT_IMAGE" "$BUSYBOX_IMAGE" 1000
build_python_image
build_user_variant "$PYTHON_NONROOT_IMAGE" "$PYTHON_IMAGE" app
