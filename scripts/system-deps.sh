#!/usr/bin/env bash
# Install the Debian packages trowel's tests, fixtures and demo need; only what is missing.
set -euo pipefail
PACKAGES=(sleuthkit ewf-tools e2fsprogs android-sdk-libsparse-utils tshark libsmali-java apktool aapt zipalign
          apksigner dexdump android-framework-res chromium firefox-esr tcpdump curl openssl
          nghttp2-server nghttp2-client)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
