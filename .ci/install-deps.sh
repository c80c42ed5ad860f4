#!/usr/bin/env bash
# Installs the Debian packages CI needs. Idempotent; runs as root.
# Append further packages to PACKAGES below.
set -euo pipefail

PACKAGES=(
  golang-go
  golang-github-hashicorp-go-plugin-dev
  golang-google-grpc-dev
  golang-google-protobuf-dev
  protobuf-compiler
  libprotobuf-dev
  protoc-gen-go
  protoc-gen-go-grpc
  golang-github-golang-protobuf-1-5-dev
  prometheus-alertmanager
  prometheus
  chromium
  chromium-driver
  firefox-esr
  # The container image (scripts/image/build.sh, test/integration/container-image.test.ts):
  # buildah builds it without a container engine; binutils strips Node and reads ELF dependencies;
  # iproute2 brings up loopback in the test's private network namespace.
  buildah
  binutils
  openssl
  iproute2
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
