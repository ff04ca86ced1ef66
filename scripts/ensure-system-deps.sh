#!/bin/sh
# Makes sure the system packages the tests use are present. On Debian/Ubuntu, as root or
# in CI, it installs what is missing; elsewhere it prints the one line to run and stops.
#   ensure-system-deps.sh build   what `npm install` needs (keytar builds against libsecret on Linux)
#   ensure-system-deps.sh test    everything `npm test` uses
set -eu
profile=${1:-test}
[ "$(uname -s)" = Linux ] || exit 0
have() { command -v "$1" >/dev/null 2>&1; }
missing=""
have pkg-config && pkg-config --exists libsecret-1 2>/dev/null || missing="$missing libsecret-1-dev pkg-config"
packages="libsecret-1-dev pkg-config"
if [ "$profile" = test ]; then
  packages="$packages chromium dbus gnome-keyring poppler-utils xvfb"
  have chromium || [ -x /usr/bin/chromium ] || missing="$missing chromium"
  have dbus-run-session || missing="$missing dbus"
  have gnome-keyring-daemon || missing="$missing gnome-keyring"
  have pdftotext || missing="$missing poppler-utils"
  have xvfb-run || missing="$missing xvfb"
fi
[ -z "$missing" ] && exit 0

if have apt-get && { [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; }; then
  echo "Installing system packages:$missing"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # shellcheck disable=SC2086
  $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi

echo "Billfold's tests need these system packages:$missing" >&2
echo "Install them, then run npm test again. On Debian or Ubuntu:" >&2
echo "  sudo apt-get install -y $packages" >&2
exit 1
