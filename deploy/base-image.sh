#!/usr/bin/env bash
# Builds the node image's base locally: a minimal Debian root file system made with
# debootstrap and imported into Docker as concord-base:bookworm. No registry is needed
# (nothing is pulled); only a Debian mirror is.
#
#   sudo deploy/base-image.sh [--force] [--tag TAG] [--suite SUITE] [--mirror URL]
#
# Skips the work when the image exists already, unless --force. Needs root (debootstrap
# creates device nodes and chroots) and installs debootstrap with apt-get when missing.
# The root file system keeps no documentation, man pages or locales, and adds only
# ca-certificates to Debian's minimal package set.
set -euo pipefail

tag="concord-base:bookworm"
suite="bookworm"
mirror="${CONCORD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --tag) tag="${2:?--tag needs a value}"; shift ;;
    --suite) suite="${2:?--suite needs a value}"; shift ;;
    --mirror) mirror="${2:?--mirror needs a value}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "base-image: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

step() { echo "base-image: $*"; }

command -v docker >/dev/null || { echo "base-image: docker is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "base-image: cannot reach the Docker engine (docker info failed)" >&2; exit 1; }

if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  step "$tag exists already; nothing to do (--force rebuilds it)"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "base-image: debootstrap needs root; run it as root (for example with sudo)" >&2
  exit 1
fi

if ! command -v debootstrap >/dev/null; then
  step "installing debootstrap with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/concord-base.XXXXXX")"
rootfs="$work/rootfs"

# Unmounts whatever debootstrap may have left mounted inside the root file system (proc,
# sys, a bound /dev), deepest first, before anything is deleted, so that removing the
# temporary directory can never reach the host's own files.
cleanup() {
  local mounts
  mounts="$(awk -v root="$rootfs" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r)"
  for mount in $mounts; do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
  done
  if awk -v root="$rootfs" 'index($2, root) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    echo "base-image: something is still mounted under $rootfs; leaving $work in place" >&2
    return
  fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

step "debootstrap --variant=minbase $suite from $mirror into $rootfs (a minute or two)"
started=$SECONDS
debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || {
  echo "base-image: debootstrap failed; its last lines:" >&2
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
step "debootstrap done in $((SECONDS - started)) s"

step "trimming: documentation, man pages, locales, package caches and lists, logs"
# Packages installed later in images built on this base keep none either.
mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d" "$rootfs/etc/apt/apt.conf.d"
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-concord-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
cat >"$rootfs/etc/apt/apt.conf.d/01-concord-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$rootfs/usr/share/man" "$rootfs/usr/share/info" "$rootfs/usr/share/lintian"
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
rm -rf "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb \
  "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/debconf/"*-old "$rootfs/debootstrap"
find "$rootfs/var/log" -type f -delete
# The engine provides these at run time; the builder's own must not leak into the image.
rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
: >"$rootfs/etc/machine-id"

size="$(du -sh --one-file-system "$rootfs" | cut -f1)"
step "importing the root file system ($size) as $tag"
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --message "Debian $suite minbase + ca-certificates (deploy/base-image.sh)" \
  - "$tag" >/dev/null
step "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
