#!/usr/bin/env bash
# Install (or update) the clinic kiosk on a Debian machine so that it starts at boot, fullscreen
# under the cage Wayland kiosk compositor on tty1, as the unprivileged user "kiosk", and is
# restarted 2 s after it ends. See README.md, "Deploying in a clinic".
#
#   sudo deploy/install.sh            # install this checkout into /opt/clinic-kiosk
#   sudo deploy/install.sh DIR        # install another copy of the repository
#   sudo deploy/install.sh GIT_URL    # clone it (or pull, when /opt/clinic-kiosk is a clone)
#
# It needs the Debian and Python package archives once (apt-get and pip); after that the kiosk
# never uses the network. Running it again updates the app and keeps settings, logs and the PIN.
set -euo pipefail

APP_DIR=/opt/clinic-kiosk
KIOSK_USER=kiosk
UNIT=clinic-kiosk.service
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE=${1:-$(dirname "$HERE")}

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo $0 $*"
command -v apt-get >/dev/null || die "this is not a Debian-based system (no apt-get)"

# 1. Debian packages: cage (Debian's cage will not start without Xwayland), the Wayland
#    libraries Qt's Wayland platform plugin loads, and the tools to build the virtual
#    environment. PulseAudio and the kiosk's other packages come from
#    tools/ensure-debian-packages.sh (make deps) below.
say "installing Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    cage xwayland libwayland-client0 libwayland-cursor0 libwayland-egl1 \
    python3 python3-venv make git ca-certificates

# 2. The unprivileged user the kiosk runs as: no password, no shell, no sudo.
if ! id "$KIOSK_USER" >/dev/null 2>&1; then
    say "creating user $KIOSK_USER"
    useradd --create-home --home-dir "/home/$KIOSK_USER" --shell /usr/sbin/nologin \
        --user-group --comment "Clinic kiosk" "$KIOSK_USER"
fi
KIOSK_HOME=$(getent passwd "$KIOSK_USER" | cut -d: -f6)
[ "$KIOSK_HOME" = "/home/$KIOSK_USER" ] \
    || die "user $KIOSK_USER's home is $KIOSK_HOME; $UNIT expects /home/$KIOSK_USER"

# 3. The app in $APP_DIR, owned by root (the kiosk can read it, never change it).
is_git_url() {
    case "$1" in
        *://* | git@*:* | *.git) return 0 ;;
        *) return 1 ;;
    esac
}
if is_git_url "$SOURCE"; then
    if [ -d "$APP_DIR/.git" ]; then
        say "updating $APP_DIR (git pull)"
        git -C "$APP_DIR" pull --ff-only
    else
        [ ! -e "$APP_DIR" ] || die "$APP_DIR exists and is not a git clone; move it away first"
        say "cloning $SOURCE into $APP_DIR"
        git clone "$SOURCE" "$APP_DIR"
    fi
else
    SOURCE=$(cd "$SOURCE" && pwd)
    [ -f "$SOURCE/run_kiosk.py" ] || die "$SOURCE is not the kiosk's repository (no run_kiosk.py)"
    if [ "$SOURCE" != "$APP_DIR" ]; then
        say "copying $SOURCE into $APP_DIR"
        mkdir -p "$APP_DIR/voices"
        # An exact copy: files deleted from the source (a withdrawn topic) go too. The venv and
        # installed speech models stay.
        find "$APP_DIR" -mindepth 1 -maxdepth 1 ! -name .venv ! -name .make ! -name voices \
            -exec rm -rf {} +
        find "$APP_DIR/voices" -mindepth 1 -maxdepth 1 ! -name models -exec rm -rf {} +
        # Everything but what is built or cached per machine (make deps below makes the venv).
        tar -C "$SOURCE" --exclude=./.venv --exclude=./.make --exclude=./artifacts \
            --exclude='*.egg-info' --exclude=__pycache__ --exclude=.pytest_cache \
            --exclude=.mypy_cache --exclude=.ruff_cache -cf - . | tar -C "$APP_DIR" -xf -
    fi
fi
chown -R root:root "$APP_DIR"
chmod -R u+rwX,go+rX,go-w "$APP_DIR"

# 4. The virtual environment and the kiosk's Debian packages, exactly as `make run` does it.
say "creating the virtual environment (make deps)"
make -C "$APP_DIR" deps
# The service cannot write into $APP_DIR, so compile the Python files now for a quick start.
"$APP_DIR/.venv/bin/python" -m compileall -q "$APP_DIR/kiosk" "$APP_DIR/run_kiosk.py" >/dev/null
mkdir -p "$APP_DIR/voices/models"

# 5. The service, its PAM stack and the `clinic-kiosk` command for staff.
say "installing $UNIT"
install -m 644 "$APP_DIR/deploy/pam-clinic-kiosk" /etc/pam.d/clinic-kiosk
install -m 644 "$APP_DIR/deploy/$UNIT" "/etc/systemd/system/$UNIT"
install -m 755 "$APP_DIR/deploy/clinic-kiosk.sh" /usr/local/bin/clinic-kiosk

# 6. Keep the screen and the sound server awake.
#    - The kernel blanks an idle text console after 10 minutes; consoleblank=0 turns that off
#      (it shows while the kiosk restarts).
if [ -f /etc/default/grub ] && ! grep -q 'consoleblank=' /etc/default/grub; then
    say "turning off console blanking (consoleblank=0 in /etc/default/grub)"
    sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="\(.*\)"/GRUB_CMDLINE_LINUX_DEFAULT="\1 consoleblank=0"/' \
        /etc/default/grub
    if command -v update-grub >/dev/null; then update-grub; fi
fi
#    - The machine never suspends or hibernates by itself.
mkdir -p /etc/systemd/logind.conf.d
cat >/etc/systemd/logind.conf.d/clinic-kiosk.conf <<'CONF'
# Installed by clinic-kiosk deploy/install.sh: a kiosk never sleeps.
[Login]
IdleAction=ignore
HandleSuspendKey=ignore
HandleHibernateKey=ignore
HandleLidSwitch=ignore
HandleLidSwitchExternalPower=ignore
CONF
systemctl mask sleep.target suspend.target hibernate.target hybrid-sleep.target >/dev/null
#    - Lingering keeps the kiosk user's sound server running while the kiosk restarts.
mkdir -p /var/lib/systemd/linger
touch "/var/lib/systemd/linger/$KIOSK_USER"

# 7. Start at boot: the graphical target, with the kiosk instead of a login prompt on tty1.
systemctl set-default graphical.target >/dev/null
systemctl disable getty@tty1.service >/dev/null 2>&1 || true
systemctl enable "$UNIT"
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    # An update: the running kiosk starts again on the new code.
    if systemctl is-active --quiet "$UNIT"; then systemctl restart "$UNIT"; fi
fi

say "done. Next:"
say "  sudo clinic-kiosk check              # the content is valid"
say "  sudo clinic-kiosk set-pin            # the staff PIN"
say "  sudo clinic-kiosk voices install --from FILE.zip   # the Vosk model (optional)"
say "  sudo systemctl restart $UNIT   # or reboot; logs: journalctl -u $UNIT"
