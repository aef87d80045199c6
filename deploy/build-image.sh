#!/usr/bin/env bash
# Builds the node image from deploy/Dockerfile: the local base image when missing
# (deploy/base-image.sh, needs root), a release `concord` binary built on this host, and a
# build context holding only that binary (debug information stripped).
#
#   deploy/build-image.sh [--tag concord-node:latest] [--base concord-base:bookworm] [--binary PATH]
#
# --binary uses an existing binary instead of running `cargo build --release --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="concord-node:latest"
base="concord-base:bookworm"
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="${2:?--tag needs a value}"; shift ;;
    --base) base="${2:?--base needs a value}"; shift ;;
    --binary) binary="${2:?--binary needs a value}"; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

step() { echo "build-image: $*"; }

if ! docker image inspect "$base" >/dev/null 2>&1; then
  if [ "$base" != "concord-base:bookworm" ]; then
    echo "build-image: base image $base does not exist" >&2
    exit 1
  fi
  step "no $base yet: building it (deploy/base-image.sh)"
  deploy/base-image.sh --tag "$base"
fi

if [ -z "$binary" ]; then
  step "cargo build --release --locked"
  cargo build --release --locked
  target_dir="${CARGO_TARGET_DIR:-}"
  if [ -z "$target_dir" ]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps --locked |
      sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  fi
  binary="$target_dir/release/concord"
fi
[ -x "$binary" ] || { echo "build-image: $binary is not an executable" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/concord-stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
if command -v strip >/dev/null; then
  strip --strip-debug -o "$stage/concord" "$binary"
else
  cp "$binary" "$stage/concord"
fi
chmod 0755 "$stage/concord"
step "docker build -t $tag (base $base, binary $binary, $(du -h "$stage/concord" | cut -f1) stripped)"
# The classic builder is enough (and the only one when the buildx plugin is missing).
DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-0}" docker build --quiet --build-arg "BASE=$base" \
  -f deploy/Dockerfile -t "$tag" "$stage" >/dev/null
step "built $tag"
