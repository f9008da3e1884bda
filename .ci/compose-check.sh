#!/usr/bin/env bash
# Checks docker-compose.yml and the Dockerfile without a Docker engine:
#   1. docker-compose (the Debian package, installed here if missing) parses
#      and validates the compose file;
#   2. every service amwaht's deployment relies on is defined;
#   3. every image is pinned (a tag, not latest), and every build target the
#      compose file names is a stage of the Dockerfile;
#   4. the Dockerfile's `go build` commands succeed when run outside Docker
#      (into a temporary directory), and produce every binary its stages copy.
# Exits non-zero with a message naming what is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_FILE=docker-compose.yml
DOCKERFILE=Dockerfile
REQUIRED_SERVICES=(
  postgresql
  temporal-admin-tools
  temporal
  temporal-create-namespace
  temporal-ui
  codec-keys
  amwaht-worker
  amwaht-console
  mailpit
  sendgrid-relay
)

fail() {
  echo "compose-check: FAIL: $*" >&2
  exit 1
}
ok() { echo "compose-check: ok: $*"; }

[ -f "$COMPOSE_FILE" ] || fail "$COMPOSE_FILE not found in $(pwd)"
[ -f "$DOCKERFILE" ] || fail "$DOCKERFILE not found in $(pwd)"

# --- docker-compose, from Debian, only if missing --------------------------
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "compose-check: docker-compose not found; installing the Debian package"
  SUDO=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "docker-compose is missing and this is not root (no sudo): apt-get install docker-compose"
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: the package recommends docker.io, the engine, which is not wanted here.
  if ! apt_log=$({ $SUDO apt-get update -qq &&
    $SUDO apt-get install -y -qq --no-install-recommends docker-compose; } 2>&1); then
    echo "$apt_log" >&2
    fail "could not install docker-compose with apt-get"
  fi
fi
compose() { docker-compose -f "$COMPOSE_FILE" "$@"; }
version=$(docker-compose version --short 2>/dev/null || docker-compose --version)
ok "using docker-compose $version"

# --- 1. the compose file validates ------------------------------------------
if ! out=$(compose config -q 2>&1); then
  echo "$out" >&2
  fail "docker-compose rejects $COMPOSE_FILE (see above)"
fi
[ -z "$out" ] || echo "$out" # warnings, if any
ok "$COMPOSE_FILE is valid"

# --- 2. the services are all there ------------------------------------------
services=$(compose config --services)
missing=()
for s in "${REQUIRED_SERVICES[@]}"; do
  grep -qxF "$s" <<<"$services" || missing+=("$s")
done
[ ${#missing[@]} -eq 0 ] || fail "services missing from $COMPOSE_FILE: ${missing[*]} (defined: $(tr "\n" " " <<<"$services"))"
ok "all ${#REQUIRED_SERVICES[@]} services defined"

# --- 3. pinned images, existing build targets --------------------------------
resolved=$(compose config)
unpinned=()
while read -r image; do
  [ -n "$image" ] || continue
  ref=${image%%@*}      # a digest pins too
  name=${ref##*/}
  if [[ "$image" != *@sha256:* ]] && { [[ "$name" != *:* ]] || [[ "$name" == *:latest ]]; }; then
    unpinned+=("$image")
  fi
done < <(sed -n 's/^ *image: *//p' <<<"$resolved" | tr -d "'\"")
[ ${#unpinned[@]} -eq 0 ] || fail "images not pinned to a version in $COMPOSE_FILE: ${unpinned[*]}"

stages=$(awk 'toupper($1)=="FROM" && toupper($(NF-1))=="AS" {print $NF}' "$DOCKERFILE")
while read -r -a words; do
  # FROM [--platform=...] image [AS name]; an earlier stage may stand in for an image
  image=${words[1]:-}
  [[ "$image" == --platform=* ]] && image=${words[2]:-}
  if grep -qixF "$image" <<<"$stages"; then continue; fi
  name=${image##*/}
  if [[ "$image" != *@sha256:* ]] && { [[ "$name" != *:* ]] || [[ "$name" == *:latest ]]; }; then
    fail "$DOCKERFILE: base image not pinned to a version: $image"
  fi
done < <(grep -iE '^[[:space:]]*FROM[[:space:]]' "$DOCKERFILE")

while read -r target; do
  [ -n "$target" ] || continue
  grep -qxF "$target" <<<"$stages" || fail "$COMPOSE_FILE builds target '$target', which is not a stage of $DOCKERFILE (stages: $(tr "\n" " " <<<"$stages"))"
done < <(sed -n 's/^ *target: *//p' <<<"$resolved" | tr -d "'\"")
ok "images pinned; build targets exist in $DOCKERFILE"

# --- 4. the Dockerfile's go build commands, outside Docker -------------------
command -v go >/dev/null 2>&1 || fail "go is not installed: cannot check the Dockerfile's build commands"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# RUN instructions with their continuation lines joined; keep those that run go build.
mapfile -t builds < <(awk '
  { line = line $0 }
  /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, " ", line); next }
  { if (line ~ /^[[:space:]]*RUN[[:space:]]/ && line ~ /go build/) { sub(/^[[:space:]]*RUN[[:space:]]+/, "", line); print line }
    line = "" }
' "$DOCKERFILE")
[ ${#builds[@]} -gt 0 ] || fail "no RUN ... go build line found in $DOCKERFILE"
for cmd in "${builds[@]}"; do
  local_cmd=${cmd//\/out\//$tmp\/out\/}
  echo "compose-check: running: $cmd   (with /out -> $tmp/out)"
  if ! sh -c "$local_cmd"; then
    fail "$DOCKERFILE build command failed: $cmd"
  fi
done
# Every /out/<binary> a stage copies must have been produced.
while read -r bin; do
  [ -f "$tmp/out/$bin" ] || fail "$DOCKERFILE copies /out/$bin, but its go build commands did not produce it"
  file_info=$(head -c 4 "$tmp/out/$bin" | od -An -c | tr -d ' ')
  [ "$file_info" = '177ELF' ] || fail "/out/$bin is not an ELF executable"
done < <(grep -iE '^[[:space:]]*COPY[[:space:]].*--from=' "$DOCKERFILE" | grep -oE '/out/[A-Za-z0-9._-]+' | sed 's|^/out/||' | sort -u)
ok "Dockerfile go build commands succeed; built: $(cd "$tmp/out" && echo *)"

echo "compose-check: all checks passed"
