#!/bin/sh
# `clinic-kiosk COMMAND ...`: run a kiosk command (check, set-pin, say, screenshot, voices ...)
# on the installed kiosk, as the user the service runs as, so that it reads and writes the same
# settings (the staff PIN), logs and state. Installed by deploy/install.sh as
# /usr/local/bin/clinic-kiosk; run it with sudo. `voices` runs as root, because speech models go
# into /opt/clinic-kiosk/voices/models, which the kiosk user cannot change (and a USB stick may be
# readable by root only); the model is then made readable for the kiosk user.
set -eu

APP_DIR=/opt/clinic-kiosk
KIOSK_USER=kiosk
PYTHON="$APP_DIR/.venv/bin/python"

if [ "$#" -eq 0 ]; then
    echo "usage: sudo clinic-kiosk COMMAND [ARGS...], for example:" >&2
    echo "  sudo clinic-kiosk check" >&2
    echo "  sudo clinic-kiosk set-pin" >&2
    echo "  sudo clinic-kiosk voices install --from /media/usb/vosk-model-small-en-us-0.15.zip" >&2
    echo "The kiosk itself is a service: sudo systemctl restart|stop|start clinic-kiosk" >&2
    exit 2
fi

home=$(getent passwd "$KIOSK_USER" | cut -d: -f6)
if [ -z "$home" ]; then
    echo "clinic-kiosk: there is no user '$KIOSK_USER'; run deploy/install.sh first" >&2
    exit 1
fi

if [ "$1" = voices ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "clinic-kiosk: 'voices' changes $APP_DIR/voices/models; run it with sudo" >&2
        exit 1
    fi
    status=0
    "$PYTHON" "$APP_DIR/run_kiosk.py" "$@" || status=$?
    # The installer unpacks into a private temporary folder: let the kiosk user read the model.
    if [ -d "$APP_DIR/voices/models" ]; then chmod -R go+rX,go-w "$APP_DIR/voices/models"; fi
    exit "$status"
fi
if [ "$(id -un)" = "$KIOSK_USER" ]; then
    exec "$PYTHON" "$APP_DIR/run_kiosk.py" "$@"
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "clinic-kiosk: run it with sudo (it runs as the '$KIOSK_USER' user)" >&2
    exit 1
fi
# The kiosk user's own settings, state and cache folders, whatever the caller's environment.
exec runuser -u "$KIOSK_USER" -- env -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u XDG_CACHE_HOME \
    -u XDG_DATA_HOME HOME="$home" USER="$KIOSK_USER" LOGNAME="$KIOSK_USER" \
    "$PYTHON" "$APP_DIR/run_kiosk.py" "$@"
