#!/bin/sh
# Make sure the Debian packages the kiosk and its tests need are installed.
# As root: installs what is missing. Not root: prints the exact command and fails.
# Fast when nothing is missing (one dpkg-query call), so `make` can run it every time.
set -eu

# flite, sox: the voice bench's second voice family and its pitch variants (bench voice / tests).
# festival and its English voices: the voice bench's third family, never used in development.
PACKAGES="
espeak-ng libespeak-ng1 strace
pulseaudio pulseaudio-utils libpulse0
libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0
libxcb-image0 libxcb-xinerama0 libxcb-xkb1
systemd cage xwayland libwayland-client0 libwayland-cursor0 libwayland-egl1
flite sox
festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ensure-debian-packages: this is not a Debian-based system; install the equivalents of:" >&2
    echo "  $(echo $PACKAGES)" >&2
    echo "ensure-debian-packages: continuing without checking." >&2
    exit 0
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "ensure-debian-packages: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "Some Debian packages the kiosk needs are missing. Run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
