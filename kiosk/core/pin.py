"""The staff PIN: checking a new PIN, storing it salted and hashed, and the pad's lock-out.

The PIN lives in a per-machine settings file outside the repository (``staff.json`` in the
platformdirs config folder), as ``{"staff_pin": {"salt": ..., "digest": ..., "n": ..., ...}}``
next to any other settings. Only a scrypt hash is stored, never the PIN itself.

Lock-out state is kept in memory only: restarting the kiosk clears it, which is acceptable because
a restart needs access to the machine anyway.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.paths import config_dir

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
MAX_ATTEMPTS = 5
LOCKOUT_SECONDS = 60.0

SETTINGS_KEY = "staff_pin"
SETTINGS_FILE_NAME = "staff.json"
SALT_BYTES = 16
DIGEST_BYTES = 32

# Bounds on the scrypt parameters read back from the file: a damaged or tampered file must not be
# able to make each PIN check take minutes or gigabytes.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16
_MAX_MEMORY = 256 * 1024 * 1024
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_DAMAGED = "the staff settings file is damaged"
_SET_PIN_HINT = "run `python run_kiosk.py set-pin` to set the PIN again"


class PinError(ValueError):
    """A PIN that cannot be used, with a message for staff."""


def _is_straight_sequence(pin: str) -> bool:
    """True for runs such as 1234, 4321 or 7890 (0 follows 9, as on most keypads)."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return steps in ({1}, {9})


def validate_new_pin(pin: str) -> None:
    """Raise :class:`PinError` with a plain-words message if ``pin`` is not a usable new PIN.

    A PIN is 4 to 12 digits (0-9 only), not one digit repeated (0000) and not a straight run
    of digits up or down (1234, 4321).
    """
    if not pin:
        raise PinError("Please type a PIN.")
    # isascii() as well: str.isdigit() also accepts digits from other scripts and superscripts.
    if not (pin.isascii() and pin.isdigit()):
        raise PinError("A PIN can only contain the digits 0 to 9, with no letters or spaces.")
    if len(pin) < MIN_PIN_LENGTH:
        raise PinError(f"A PIN needs at least {MIN_PIN_LENGTH} digits.")
    if len(pin) > MAX_PIN_LENGTH:
        raise PinError(f"A PIN can have at most {MAX_PIN_LENGTH} digits.")
    if len(set(pin)) == 1:
        raise PinError(
            "A PIN cannot be the same digit over and over, such as 0000. "
            "Please choose one that is harder to guess."
        )
    if _is_straight_sequence(pin):
        raise PinError(
            "A PIN cannot be digits in order, such as 1234 or 4321. "
            "Please choose one that is harder to guess."
        )


def _scrypt_maxmem(n: int, r: int, p: int) -> int:
    # OpenSSL needs 128*r*(n + 2) bytes for V plus 128*r*p for B; the default cap is 32 MiB.
    return 128 * r * (n + 2 + p) + 1024 * 1024


@dataclass(frozen=True)
class PinHash:
    """A scrypt hash of a PIN, with the salt and scrypt parameters needed to check it again."""

    salt: bytes
    digest: bytes
    n: int
    r: int
    p: int

    def to_json(self) -> dict[str, object]:
        """The hash as a JSON-ready dict; bytes become hex strings."""
        return {
            "salt": self.salt.hex(),
            "digest": self.digest.hex(),
            "n": self.n,
            "r": self.r,
            "p": self.p,
        }

    @classmethod
    def from_json(cls, data: object) -> PinHash:
        """Read a hash written by :meth:`to_json`; raise :class:`PinError` if it is malformed."""
        if not isinstance(data, dict):
            raise PinError(f"{_DAMAGED} (the PIN entry is not a set of values); {_SET_PIN_HINT}")

        def hex_bytes(key: str) -> bytes:
            value = data.get(key)
            if not isinstance(value, str) or not _HEX.fullmatch(value):
                reason = f"the PIN's {key} is missing or unreadable"
                raise PinError(f"{_DAMAGED} ({reason}); {_SET_PIN_HINT}")
            return bytes.fromhex(value)

        def whole_number(key: str, low: int, high: int) -> int:
            value = data.get(key)
            # bool is a subclass of int; true/false in the file is damage, not a number.
            if type(value) is not int or not low <= value <= high:
                reason = f"the PIN's {key} is missing or out of range"
                raise PinError(f"{_DAMAGED} ({reason}); {_SET_PIN_HINT}")
            return value

        salt = hex_bytes("salt")
        digest = hex_bytes("digest")
        if len(digest) != DIGEST_BYTES:
            raise PinError(f"{_DAMAGED} (the PIN's digest has the wrong length); {_SET_PIN_HINT}")
        n = whole_number("n", 2, _MAX_N)
        if n & (n - 1):
            raise PinError(f"{_DAMAGED} (the PIN's n is not a power of two); {_SET_PIN_HINT}")
        r = whole_number("r", 1, _MAX_R)
        p = whole_number("p", 1, _MAX_P)
        if _scrypt_maxmem(n, r, p) > _MAX_MEMORY:
            raise PinError(f"{_DAMAGED} (the PIN's settings need too much memory); {_SET_PIN_HINT}")
        return cls(salt=salt, digest=digest, n=n, r=r, p=p)


def hash_pin(
    pin: str, salt: bytes | None = None, n: int = 2**14, r: int = 8, p: int = 1
) -> PinHash:
    """Hash ``pin`` with scrypt and a fresh 16-byte random salt (or the ``salt`` given)."""
    if salt is None:
        salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=_scrypt_maxmem(n, r, p),
        dklen=DIGEST_BYTES,
    )
    return PinHash(salt=salt, digest=digest, n=n, r=r, p=p)


def verify_pin(pin: str, stored: PinHash) -> bool:
    """True if ``pin`` matches ``stored``; the comparison takes the same time either way."""
    candidate = hash_pin(pin, salt=stored.salt, n=stored.n, r=stored.r, p=stored.p)
    return hmac.compare_digest(candidate.digest, stored.digest)


class VerifyResult(enum.Enum):
    """What happened to one PIN typed on the staff pad."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    LOCKED = "locked"
    NO_PIN_SET = "no_pin_set"


@dataclass(frozen=True)
class Attempt:
    """The outcome of one PIN attempt, with what the pad should show next."""

    result: VerifyResult
    attempts_left: int
    """Wrong attempts still allowed before the pad locks."""
    locked_for: float
    """Seconds of lock-out remaining (0 when not locked)."""


class StaffPin:
    """The staff PIN settings file and the pad's lock-out state (lock-out is in memory only)."""

    problem: str | None
    """Why the settings file could not be used (damaged or unreadable), or None when it is fine.
    Updated every time the file is read."""

    def __init__(self, settings_file: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings_file = settings_file
        self.problem = None
        self._clock = clock
        self._failures = 0
        self._locked_until: float | None = None

    @staticmethod
    def default_file() -> Path:
        """The per-machine settings file, outside the repository."""
        return config_dir() / SETTINGS_FILE_NAME

    # --- the settings file -------------------------------------------------------------------

    def _read_settings(self) -> dict[str, object] | None:
        """The settings file as a dict; None if it does not exist. Raises PinError if damaged."""
        try:
            text = self.settings_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise PinError(
                f"{_DAMAGED} or cannot be read ({type(exc).__name__}); check {self.settings_file}"
            ) from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PinError(
                f"{_DAMAGED} (it is not valid JSON); move {self.settings_file} aside and "
                "run `python run_kiosk.py set-pin` again"
            ) from exc
        if not isinstance(data, dict):
            raise PinError(
                f"{_DAMAGED} (it is not a set of settings); move {self.settings_file} aside and "
                "run `python run_kiosk.py set-pin` again"
            )
        return data

    def _load(self) -> PinHash | None:
        """The stored hash, or None if there is none or the file is damaged (see ``problem``)."""
        try:
            settings = self._read_settings()
            entry = None if settings is None else settings.get(SETTINGS_KEY)
            stored = None if entry is None else PinHash.from_json(entry)
        except PinError as exc:
            self.problem = str(exc)
            return None
        self.problem = None
        return stored

    def is_set(self) -> bool:
        """True when a usable PIN is stored. A damaged file gives False and sets ``problem``."""
        return self._load() is not None

    def set_pin(self, pin: str) -> None:
        """Check and store a new PIN, keeping any other settings in the file.

        The file is replaced atomically (a temporary file in the same folder, then os.replace)
        and readable by its owner only. Raises :class:`PinError` if the PIN is not usable, or if
        the file is damaged in a way that would lose other settings.
        """
        validate_new_pin(pin)
        settings = self._read_settings() or {}
        settings[SETTINGS_KEY] = hash_pin(pin).to_json()
        text = json.dumps(settings, indent=2, sort_keys=True) + "\n"
        folder = self.settings_file.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(
                dir=folder, prefix=f".{self.settings_file.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temp_name, 0o600)
                os.replace(temp_name, self.settings_file)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise PinError(
                f"the staff settings file could not be saved ({exc.strerror or exc}); "
                f"check {self.settings_file}"
            ) from exc
        self.problem = None
        self.reset_attempts()

    # --- the pad -----------------------------------------------------------------------------

    def _expire_lock(self, now: float) -> None:
        if self._locked_until is not None and now >= self._locked_until:
            self._locked_until = None
            self._failures = 0

    def locked_for(self) -> float:
        """Seconds of lock-out remaining (0 when the pad is not locked)."""
        now = self._clock()
        self._expire_lock(now)
        return 0.0 if self._locked_until is None else self._locked_until - now

    def reset_attempts(self) -> None:
        """Forget wrong attempts and end any lock-out."""
        self._failures = 0
        self._locked_until = None

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN typed on the pad.

        NO_PIN_SET when no PIN is stored (first set-up: Exit needs no PIN). A damaged file never
        lets anyone in: every attempt is REJECTED and counts as wrong. While locked the PIN is not
        checked and the attempt does not extend the lock. The fifth wrong attempt in a row locks
        the pad for :data:`LOCKOUT_SECONDS`; a right PIN resets the count.
        """
        locked_for = self.locked_for()
        if locked_for > 0:
            return Attempt(VerifyResult.LOCKED, attempts_left=0, locked_for=locked_for)
        stored = self._load()
        if stored is None and self.problem is None:
            return Attempt(VerifyResult.NO_PIN_SET, attempts_left=MAX_ATTEMPTS, locked_for=0.0)
        if stored is not None and verify_pin(pin, stored):
            self.reset_attempts()
            return Attempt(VerifyResult.ACCEPTED, attempts_left=MAX_ATTEMPTS, locked_for=0.0)
        self._failures += 1
        if self._failures >= MAX_ATTEMPTS:
            self._locked_until = self._clock() + LOCKOUT_SECONDS
            return Attempt(VerifyResult.LOCKED, attempts_left=0, locked_for=LOCKOUT_SECONDS)
        return Attempt(
            VerifyResult.REJECTED, attempts_left=MAX_ATTEMPTS - self._failures, locked_for=0.0
        )
