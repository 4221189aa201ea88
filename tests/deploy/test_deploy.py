"""The deployment in ``deploy/``: the systemd unit, its PAM stack, install.sh and the staff command.

``systemd-analyze verify`` checks the real unit file (in a temporary root that holds the system's
own units and stand-ins for the programs it runs). Its promises are read from the file: restarted
within 5 s for ever, an unprivileged user, started at boot. And the kiosk is started exactly as the
unit starts it (its ExecStart under cage, its environment, no ``PULSE_SERVER``) on a headless
screen: it must paint Home, write its log where the README says, reach the sound server through
``XDG_RUNTIME_DIR`` and stop when systemd would stop it.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.devtools.rig import PulseRig
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
UNIT = DEPLOY / "clinic-kiosk.service"
INSTALL = DEPLOY / "install.sh"
COMMAND = DEPLOY / "clinic-kiosk.sh"
SYSTEM_UNITS = [Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")]

Unit = dict[str, list[tuple[str, str]]]


def read_unit(text: str) -> Unit:
    """Sections of a unit file, each a list of (key, value) in order (keys may repeat)."""
    sections: Unit = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{line!r} comes before any [section]"
        key, sep, value = line.partition("=")
        assert sep, f"{line!r} is not KEY=VALUE"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: Unit, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def value(unit: Unit, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert found, f"{UNIT.name} has no {key}= in [{section}]"
    return found[-1]  # the last one wins, as in systemd


def seconds(span: str) -> float:
    """A systemd time span such as ``2``, ``2s``, ``500ms`` or ``1min 30s``, in seconds."""
    units = {"": 1.0, "s": 1.0, "sec": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span)
    assert parts and all(u in units for _, u in parts), f"not a time span: {span!r}"
    return sum(float(n) * units[u] for n, u in parts)


def environment(unit: Unit) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in values(unit, "Service", "Environment"):
        for item in shlex.split(line):
            key, _, val = item.partition("=")
            env[key] = val
    return env


def exec_argv(unit: Unit) -> list[str]:
    return shlex.split(value(unit, "Service", "ExecStart").lstrip("-@:+!"))


def shell_variable(path: Path, name: str) -> str:
    match = re.search(rf"^{name}=(\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} sets no {name}="
    return match.group(1)


def systemd_analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.fail(
            "systemd-analyze is missing: install the Debian package 'systemd' "
            "(sudo apt-get install systemd; `make test` installs it when run as root)"
        )
    return exe


def verify(tmp_path: Path, unit_text: str) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify`` of ``unit_text`` installed in a temporary root.

    The root holds this system's own units (for the targets and services the unit names) and
    executable stand-ins for the programs its Exec lines run, which systemd checks exist.
    """
    analyze = systemd_analyze()
    system_units = next((p for p in SYSTEM_UNITS if (p / "sysinit.target").exists()), None)
    assert system_units, f"no systemd units in {' or '.join(map(str, SYSTEM_UNITS))}"
    root = tmp_path / "root"
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system" / UNIT.name).write_text(unit_text, encoding="utf-8")
    unit = read_unit(unit_text)
    for key in ("ExecStartPre", "ExecStart", "ExecStartPost", "ExecStop", "ExecStopPost"):
        for line in values(unit, "Service", key):
            program = shlex.split(line.lstrip("-@:+!"))[0]
            assert program.startswith("/"), f"{key}= runs {program!r}, not an absolute path"
            stand_in = root / program.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
    return subprocess.run(
        [analyze, "verify", f"--root={root}", UNIT.name],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_systemd_analyze_verify_passes_the_unit(tmp_path: Path) -> None:
    result = verify(tmp_path, UNIT.read_text(encoding="utf-8"))
    output = result.stdout + result.stderr
    about_ours = [line for line in output.splitlines() if "clinic-kiosk" in line]
    assert result.returncode == 0 and not about_ours, (
        f"systemd-analyze verify (exit {result.returncode}):\n{output}"
    )


def test_systemd_analyze_verify_does_read_the_unit(tmp_path: Path) -> None:
    """The check above would see a mistake: a misspelt value and an unknown key are reported."""
    text = UNIT.read_text(encoding="utf-8").replace("Restart=always", "Restart=alwayz")
    text = text.replace("NoNewPrivileges=yes", "NoNewPrivilegez=yes")
    output = verify(tmp_path, text).stderr
    assert "alwayz" in output and "NoNewPrivilegez" in output, output


def test_unit_restarts_for_ever_within_5_s_as_an_unprivileged_user_at_boot() -> None:
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    assert value(unit, "Service", "Restart") == "always"
    assert seconds(value(unit, "Service", "RestartSec")) <= 5
    # systemd gives up after 5 starts in 10 s unless told otherwise: a crashing kiosk must not
    # leave a blank screen.
    assert seconds(value(unit, "Unit", "StartLimitIntervalSec")) == 0
    user = value(unit, "Service", "User")
    assert user not in ("", "root", "0"), f"User={user}"
    assert values(unit, "Install", "WantedBy"), "no WantedBy=: it would not start at boot"
    argv = exec_argv(unit)
    app_dir = value(unit, "Service", "WorkingDirectory")
    assert Path(argv[0]).name == "cage", argv
    assert "--" in argv, "cage needs -- before the kiosk's command"
    kiosk = argv[argv.index("--") + 1 :]
    assert kiosk == [f"{app_dir}/.venv/bin/python", f"{app_dir}/run_kiosk.py"], kiosk
    assert "-s" not in argv[: argv.index("--")], "-s lets a patient switch to a text console"
    env = environment(unit)
    assert env.get("QT_QPA_PLATFORM") == "wayland", env
    assert "PULSE_SERVER" not in env, "sound goes through the user's XDG_RUNTIME_DIR socket"


def test_unit_logs_in_on_tty1_through_its_own_pam_stack() -> None:
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    pam_name = value(unit, "Service", "PAMName")
    pam_file = DEPLOY / f"pam-{pam_name}"
    assert pam_file.is_file(), f"PAMName={pam_name} but there is no {pam_file}"
    stack = [line.split() for line in pam_file.read_text().splitlines() if line.strip()]
    assert ["session", "required", "pam_systemd.so"] in [s[:3] for s in stack if s[0][0] != "#"]
    assert f"/etc/pam.d/{pam_name}" in INSTALL.read_text(encoding="utf-8")
    tty = value(unit, "Service", "TTYPath")
    assert f"getty@{Path(tty).name}.service" in values(unit, "Unit", "Conflicts")
    assert value(unit, "Service", "StandardInput") == "tty-fail"
    assert value(unit, "Service", "StandardError") == "journal"


def test_unit_runs_python_with_the_kiosks_allocator() -> None:
    """The kiosk gives freed memory back over weeks of running (kiosk/services/memory.py)."""
    from kiosk.services.memory import PYTHON_ALLOCATOR

    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    assert environment(unit).get("PYTHONMALLOC") == PYTHON_ALLOCATOR


def test_hardening_leaves_screen_input_and_sound_alone_and_shuts_out_the_network() -> None:
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    service = dict(unit["Service"])
    # These would hide /dev/dri, /dev/input and /dev/snd, or udev's hot-plug events.
    for breaks_devices in ("PrivateDevices", "DevicePolicy", "DeviceAllow", "PrivateNetwork"):
        assert breaks_devices not in service, f"{breaks_devices}= would break the kiosk"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    user = value(unit, "Service", "User")
    writable = " ".join(values(unit, "Service", "ReadWritePaths")).split()
    assert f"/home/{user}" in writable, "logs, state, cache and the PIN live in the home folder"
    assert "-/run/user" in writable, "cage's Wayland socket and the sound socket live there"
    families = value(unit, "Service", "RestrictAddressFamilies").split()
    assert "AF_UNIX" in families and not {"AF_INET", "AF_INET6"} & set(families)


def test_install_script_and_staff_command_match_the_unit() -> None:
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    app_dir = value(unit, "Service", "WorkingDirectory")
    user = value(unit, "Service", "User")
    for script in (INSTALL, COMMAND):
        assert shell_variable(script, "APP_DIR") == app_dir, script.name
        assert shell_variable(script, "KIOSK_USER") == user, script.name
    install = INSTALL.read_text(encoding="utf-8")
    assert shell_variable(INSTALL, "UNIT") == UNIT.name
    assert 'install -m 644 "$APP_DIR/deploy/$UNIT" "/etc/systemd/system/$UNIT"' in install
    assert 'systemctl enable "$UNIT"' in install
    assert 'make -C "$APP_DIR" deps' in install


@pytest.mark.parametrize("script", [INSTALL, COMMAND], ids=lambda p: p.name)
def test_shell_scripts_parse(script: Path) -> None:
    shell = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
    result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert os.access(script, os.X_OK), f"{script.name} is not executable"
    shellcheck = shutil.which("shellcheck")  # optional: not one of the packages make installs
    if shellcheck:
        result = subprocess.run(
            [shellcheck, "-x", str(script)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout


def test_staff_command_explains_itself_without_arguments() -> None:
    result = subprocess.run(["sh", str(COMMAND)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "sudo clinic-kiosk set-pin" in result.stderr
    assert "voices install --from" in result.stderr


def pulse_clients(rig: PulseRig) -> set[str]:
    return {line.split("\t")[0] for line in rig.pactl("list", "clients", "short").splitlines()}


def test_kiosk_starts_under_cage_as_the_unit_starts_it(tmp_path: Path, pulse_rig: PulseRig) -> None:
    """The unit's own command line and environment, on wlroots' headless backend."""
    if shutil.which("cage") is None or shutil.which("Xwayland") is None:
        pytest.fail(
            "cage and Xwayland are missing: install the Debian packages cage and xwayland "
            "(Debian's cage does not start without Xwayland; `make test` installs them as root)"
        )
    unit = read_unit(UNIT.read_text(encoding="utf-8"))
    app_dir = value(unit, "Service", "WorkingDirectory")
    argv = [arg.replace(app_dir, str(REPO), 1) for arg in exec_argv(unit)]
    assert Path(argv[-2]).exists(), f"no virtual environment at {argv[-2]}: run make deps"
    if os.geteuid() == 0:
        # cage refuses to run as root (the unit runs it as User=); a user namespace in which
        # root is not mapped makes it an unprivileged user without changing the files it sees.
        argv = ["unshare", "--user", *argv]
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    (runtime / "pulse").mkdir()
    (runtime / "pulse" / "native").symlink_to(pulse_rig.socket_path)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),  # set by pam_systemd in the real session
        **environment(unit),
        # No screen, keyboard or GPU here: wlroots draws into memory.
        "WLR_BACKENDS": "headless",
        "WLR_RENDERER": "pixman",
        "WLR_LIBINPUT_NO_DEVICES": "1",
    }
    log_file = home / ".local/state/clinic-kiosk/log/kiosk.log"  # where the README says
    before = pulse_clients(pulse_rig)
    started = time.monotonic()
    with (tmp_path / "cage.out").open("w") as out:
        cage = subprocess.Popen(
            argv,
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Xwayland (which cage starts with -core) can dump core when it is stopped here,
            # without a GPU: no core files.
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)),
        )
    try:
        painted = connected = False
        while time.monotonic() - started < 120 and cage.poll() is None:
            painted = log_file.exists() and "home painted" in log_file.read_text()
            connected = bool(pulse_clients(pulse_rig) - before)
            if painted and connected:
                break
            time.sleep(0.2)
        output = (tmp_path / "cage.out").read_text(errors="replace")[-3000:]
        assert cage.poll() is None, f"cage ended (exit {cage.returncode}):\n{output}"
        assert painted, f"the kiosk did not paint Home under cage in 120 s:\n{output}"
        assert connected, "the kiosk did not reach the sound server through XDG_RUNTIME_DIR"
        log = log_file.read_text()
        problems = [line for line in log.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)]
        assert not problems, log
        # systemctl stop: SIGTERM to every process of the service, SIGKILL after TimeoutStopSec.
        timeout = seconds(value(unit, "Service", "TimeoutStopSec"))
        os.killpg(cage.pid, signal.SIGTERM)
        cage.wait(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cage.pid, signal.SIGKILL)  # whatever is left, as systemd would
        cage.wait()
