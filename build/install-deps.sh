#!/usr/bin/env bash
# Installs the system packages `make test` needs on a fresh Debian machine when
# they are missing: a JDK 17 and Maven (the test Neo4j, build/neo4j), Node.js
# with npm (the graph bundle, the reference server, the browser tests) and
# Chromium (the web UI's end-to-end tests), and the desktop app's build and
# test dependencies (GTK, WebKitGTK, Ayatana AppIndicator; Xvfb, a D-Bus
# session, the trayer tray host, xdotool, xclip and ImageMagick to drive and
# photograph it). Go itself is assumed.
set -euo pipefail

need=()
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v npm >/dev/null || need+=(nodejs npm)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
for pkg in build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev \
  xvfb xauth dbus dbus-x11 at-spi2-core openbox trayer wmctrl xdotool xclip imagemagick x11-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
((${#need[@]})) || exit 0

sudo=
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install these packages first: ${need[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "installing ${need[*]}" >&2
$sudo apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
