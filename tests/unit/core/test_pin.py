"""The staff PIN: validation, scrypt hashing, the settings file and the pad's lock-out."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.pin import (
    LOCKOUT_SECONDS,
    MAX_ATTEMPTS,
    Attempt,
    PinError,
    PinHash,
    StaffPin,
    VerifyResult,
    hash_pin,
    validate_new_pin,
    verify_pin,
)
from tests.conftest import REPO, FakeClock

PIN = "583920"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "clinic-kiosk" / "staff.json"


@pytest.fixture
def staff(settings_file: Path, clock: FakeClock) -> StaffPin:
    pad = StaffPin(settings_file, clock=clock)
    pad.set_pin(PIN)
    return pad


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pin", "words"),
    [
        ("", "type a PIN"),
        ("12a4", "only contain the digits 0 to 9"),
        ("abcd", "only contain the digits 0 to 9"),
        ("58 39", "only contain the digits 0 to 9"),
        ("٥٨٣٩", "only contain the digits 0 to 9"),  # Arabic-Indic digits pass str.isdigit()
        ("583", "at least 4 digits"),
        ("5839205839205", "at most 12 digits"),
        ("0000", "same digit"),
        ("77777777", "same digit"),
        ("1234", "digits in order"),
        ("9876", "digits in order"),
        ("4321", "digits in order"),
        ("7890", "digits in order"),
        ("123456789012", "digits in order"),
    ],
)
def test_unusable_pins_are_refused_in_plain_words(pin: str, words: str) -> None:
    with pytest.raises(PinError, match=words):
        validate_new_pin(pin)


@pytest.mark.parametrize("pin", ["5839", PIN, "1235", "0101", "112233445566"])
def test_usable_pins_pass(pin: str, settings_file: Path, clock: FakeClock) -> None:
    try:
        validate_new_pin(pin)
    except PinError as error:
        pytest.fail(f"{pin} is a usable PIN but was refused: {error}")
    # The pad takes it as the staff PIN, and it then opens staff mode (and nothing else does).
    pad = StaffPin(settings_file, clock=clock)
    pad.set_pin(pin)
    assert pad.is_set()
    assert pad.try_pin(pin) == Attempt(VerifyResult.ACCEPTED, MAX_ATTEMPTS, 0.0)
    assert pad.try_pin(pin + "0").result is VerifyResult.REJECTED


def test_pin_error_is_a_value_error() -> None:
    assert issubclass(PinError, ValueError)


# --- hashing ---------------------------------------------------------------------------------


def test_hash_round_trip() -> None:
    stored = hash_pin(PIN)
    assert verify_pin(PIN, stored)
    assert not verify_pin("583921", stored)
    assert not verify_pin("", stored)
    assert len(stored.salt) == 16
    assert len(stored.digest) == 32
    assert (stored.n, stored.r, stored.p) == (2**14, 8, 1)


def test_same_pin_gets_a_different_salt_each_time() -> None:
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first.salt != second.salt
    assert first.digest != second.digest
    assert verify_pin(PIN, first)
    assert verify_pin(PIN, second)


def test_given_salt_and_parameters_are_used() -> None:
    salt = bytes(range(16))
    stored = hash_pin(PIN, salt=salt, n=2**10, r=4, p=2)
    assert stored == hash_pin(PIN, salt=salt, n=2**10, r=4, p=2)
    assert (stored.salt, stored.n, stored.r, stored.p) == (salt, 2**10, 4, 2)
    assert verify_pin(PIN, stored)


def test_pin_hash_json_round_trip() -> None:
    stored = hash_pin(PIN, n=2**10)
    data = stored.to_json()
    assert data["salt"] == stored.salt.hex()
    assert data["digest"] == stored.digest.hex()
    again = PinHash.from_json(json.loads(json.dumps(data)))
    assert again == stored
    assert verify_pin(PIN, again)


def _good() -> dict[str, object]:
    return hash_pin(PIN, salt=b"0123456789abcdef", n=2**10).to_json()


def _without(key: str) -> dict[str, object]:
    data = _good()
    del data[key]
    return data


def _with(**changes: object) -> dict[str, object]:
    return {**_good(), **changes}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="a list"),
        pytest.param("salt", id="a string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="a number"),
        pytest.param(_without("salt"), id="no salt"),
        pytest.param(_without("digest"), id="no digest"),
        pytest.param(_without("n"), id="no n"),
        pytest.param(_without("r"), id="no r"),
        pytest.param(_without("p"), id="no p"),
        pytest.param(_with(salt="not hex!"), id="salt not hex"),
        pytest.param(_with(digest="zz" * 32), id="digest not hex"),
        pytest.param(_with(salt="abc"), id="odd-length hex"),
        pytest.param(_with(salt=""), id="empty salt"),
        pytest.param(_with(digest="ab" * 31), id="short digest"),
        pytest.param(_with(salt=list(b"0123456789abcdef")), id="salt as list"),
        pytest.param(_with(n="16384"), id="n as string"),
        pytest.param(_with(n=16384.0), id="n as float"),
        pytest.param(_with(r=True), id="r as bool"),
        pytest.param(_with(p=None), id="p null"),
        pytest.param(_with(n=1000), id="n not power of two"),
        pytest.param(_with(n=0), id="n zero"),
        pytest.param(_with(r=0), id="r zero"),
        pytest.param(_with(p=-1), id="p negative"),
        pytest.param(_with(n=2**40), id="n huge"),
        pytest.param(_with(n=2**20, r=32), id="too much memory"),
    ],
)
def test_damaged_pin_hash_json_raises_pin_error(data: object) -> None:
    with pytest.raises(PinError, match="the staff settings file is damaged"):
        PinHash.from_json(data)


# --- the settings file -----------------------------------------------------------------------


def test_default_file_is_outside_the_repository() -> None:
    path = StaffPin.default_file()
    assert path.name == "staff.json"
    assert path.parent.name == "clinic-kiosk"
    assert REPO not in path.parents


def test_missing_file_means_no_pin_and_exit_is_open(settings_file: Path, clock: FakeClock) -> None:
    pad = StaffPin(settings_file, clock=clock)
    assert not pad.is_set()
    assert pad.problem is None
    assert pad.try_pin("") == Attempt(VerifyResult.NO_PIN_SET, MAX_ATTEMPTS, 0.0)
    assert pad.try_pin("anything") == Attempt(VerifyResult.NO_PIN_SET, MAX_ATTEMPTS, 0.0)


def test_settings_file_without_a_pin_entry_means_no_pin(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text('{"volume": 7}', encoding="utf-8")
    pad = StaffPin(settings_file)
    assert not pad.is_set()
    assert pad.problem is None
    assert pad.try_pin(PIN).result is VerifyResult.NO_PIN_SET


def test_set_pin_then_the_right_pin_opens(staff: StaffPin) -> None:
    assert staff.is_set()
    assert staff.problem is None
    assert staff.try_pin(PIN) == Attempt(VerifyResult.ACCEPTED, MAX_ATTEMPTS, 0.0)


def test_file_holds_no_plain_pin(staff: StaffPin, settings_file: Path) -> None:
    text = settings_file.read_text(encoding="utf-8")
    assert PIN not in text
    entry = json.loads(text)["staff_pin"]
    assert PinHash.from_json(entry).salt  # salted, and readable back


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_settings_file_is_private(staff: StaffPin, settings_file: Path) -> None:
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600


def test_set_pin_keeps_other_settings_and_leaves_no_temp_files(
    settings_file: Path, clock: FakeClock
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(
        json.dumps({"volume": 7, "language": "en", "staff_pin": {"old": True}}), encoding="utf-8"
    )
    pad = StaffPin(settings_file, clock=clock)
    assert not pad.is_set()  # the old entry is damaged ...
    assert pad.problem is not None
    pad.set_pin(PIN)  # ... and setting the PIN again repairs it
    assert pad.problem is None
    data = json.loads(settings_file.read_text(encoding="utf-8"))
    assert data["volume"] == 7
    assert data["language"] == "en"
    assert set(data["staff_pin"]) == {"salt", "digest", "n", "r", "p"}
    assert pad.try_pin(PIN).result is VerifyResult.ACCEPTED
    assert [p.name for p in settings_file.parent.iterdir()] == ["staff.json"]


def test_set_pin_replaces_an_earlier_pin(staff: StaffPin) -> None:
    staff.set_pin("246810")
    assert staff.try_pin(PIN).result is VerifyResult.REJECTED
    assert staff.try_pin("246810").result is VerifyResult.ACCEPTED


def test_set_pin_refuses_an_unusable_pin_and_writes_nothing(settings_file: Path) -> None:
    pad = StaffPin(settings_file)
    with pytest.raises(PinError, match="same digit"):
        pad.set_pin("0000")
    assert not settings_file.exists()


def test_set_pin_will_not_overwrite_a_file_that_is_not_json(settings_file: Path) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("{volume: 7", encoding="utf-8")
    pad = StaffPin(settings_file)
    with pytest.raises(PinError, match="the staff settings file is damaged"):
        pad.set_pin(PIN)
    assert settings_file.read_text(encoding="utf-8") == "{volume: 7"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="not json"),
        pytest.param(b"[1, 2]", id="not an object"),
        pytest.param(b"\xff\xfe\x00garbage", id="not text"),
        pytest.param(b'{"staff_pin": {"salt": "00"}}', id="entry missing keys"),
        pytest.param(b'{"staff_pin": "583920"}', id="entry not an object"),
    ],
)
def test_damaged_file_never_opens_and_says_so(
    settings_file: Path, clock: FakeClock, content: bytes
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_bytes(content)
    pad = StaffPin(settings_file, clock=clock)
    assert not pad.is_set()
    assert pad.problem is not None
    assert "the staff settings file is damaged" in pad.problem
    for pin in ("", PIN, "0000"):
        attempt = pad.try_pin(pin)
        assert attempt.result is VerifyResult.REJECTED


def test_unreadable_settings_path_never_opens(settings_file: Path) -> None:
    settings_file.mkdir(parents=True)  # a folder where the file should be
    pad = StaffPin(settings_file)
    assert pad.try_pin(PIN).result is VerifyResult.REJECTED
    assert pad.problem is not None


# --- lock-out --------------------------------------------------------------------------------


def test_full_lock_out_sequence(staff: StaffPin, clock: FakeClock) -> None:
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        assert staff.try_pin("111222") == Attempt(VerifyResult.REJECTED, left, 0.0)
    assert staff.locked_for() == 0.0

    assert staff.try_pin("111222") == Attempt(VerifyResult.LOCKED, 0, LOCKOUT_SECONDS)
    assert LOCKOUT_SECONDS == 60.0
    assert staff.locked_for() == 60.0

    clock.advance(10)
    assert staff.try_pin(PIN) == Attempt(VerifyResult.LOCKED, 0, 50.0)  # right PIN, still locked
    clock.advance(40)
    assert staff.try_pin("111222") == Attempt(VerifyResult.LOCKED, 0, 10.0)  # lock not extended
    assert staff.locked_for() == 10.0

    clock.advance(10)
    assert staff.locked_for() == 0.0
    assert staff.try_pin(PIN) == Attempt(VerifyResult.ACCEPTED, MAX_ATTEMPTS, 0.0)


def test_attempts_come_back_after_the_lock_out(staff: StaffPin, clock: FakeClock) -> None:
    for _ in range(MAX_ATTEMPTS):
        staff.try_pin("111222")
    clock.advance(LOCKOUT_SECONDS)
    assert staff.try_pin("111222") == Attempt(VerifyResult.REJECTED, MAX_ATTEMPTS - 1, 0.0)


def test_right_pin_resets_the_count(staff: StaffPin) -> None:
    for _ in range(MAX_ATTEMPTS - 1):
        staff.try_pin("111222")
    assert staff.try_pin(PIN).result is VerifyResult.ACCEPTED
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        assert staff.try_pin("111222") == Attempt(VerifyResult.REJECTED, left, 0.0)
    assert staff.try_pin("111222").result is VerifyResult.LOCKED


def test_reset_attempts_ends_a_lock_out(staff: StaffPin) -> None:
    for _ in range(MAX_ATTEMPTS):
        staff.try_pin("111222")
    assert staff.locked_for() == LOCKOUT_SECONDS
    staff.reset_attempts()
    assert staff.locked_for() == 0.0
    assert staff.try_pin(PIN).result is VerifyResult.ACCEPTED


def test_damaged_file_attempts_count_towards_the_lock_out(
    settings_file: Path, clock: FakeClock
) -> None:
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("{not json", encoding="utf-8")
    pad = StaffPin(settings_file, clock=clock)
    results = [pad.try_pin(PIN).result for _ in range(MAX_ATTEMPTS)]
    assert results == [VerifyResult.REJECTED] * (MAX_ATTEMPTS - 1) + [VerifyResult.LOCKED]


# --- purity ----------------------------------------------------------------------------------


def test_pin_module_imports_no_qt_or_speech_engine() -> None:
    code = "import json, sys, kiosk.core.pin; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded = json.loads(result.stdout)
    forbidden = ("PySide6", "shiboken6", "pyttsx3", "vosk", "pocketsphinx")
    assert [m for m in loaded if m.split(".")[0] in forbidden] == []
