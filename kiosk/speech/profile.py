"""The voice profile (``voices/<language>.toml``): how the kiosk speaks and listens in a language.

Staff edit this file, so it is checked like content: every problem is collected with its file,
line and field and worded for a non-programmer (``tts.rate_wpm is 900; expected a whole number
from 80 to 450``). A profile with any error is not used at all: the kiosk keeps speaking with its
built-in settings (``DEFAULT_PROFILE``) and tells staff why, rather than speaking half-configured.
Missing settings take their built-in values.

Pure module: standard library only (plus the content problem types).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

from kiosk.content.problems import Problem, Severity, display_path
from kiosk.listen.settings import ENGINES, RecogniserSettings

# The CMU/ARPAbet phone set of PocketSphinx's en-US model (stress digits 0-2 may follow vowels).
ARPABET: Final = frozenset(
    (
        *("AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G"),
        *("HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH"),
        *("T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"),
    )
)

FALLBACK_WARNING: Final = (
    "the voice profile has errors; the kiosk uses its built-in voice settings until they are fixed"
)

# Kept in step with voices/en.toml, so a broken file changes nothing a patient hears.
DEFAULT_LEXICON: Final[Mapping[str, str]] = MappingProxyType(
    {
        "0808 800 6000": "0 8 0 8, 8 0 0, 6 0 0 0",
        "GP": "G P",
        "hypercalcaemia": "hypercalcemia",
        "osteoclasts": "osteoeclasts",
        "osteoblasts": "osteoeblasts",
    }
)


@dataclass(frozen=True)
class VoiceProfile:
    """How the kiosk speaks and listens in one language."""

    language: str = "en"
    tts_voice: str = "gmw/en"  # espeak-ng's "English (Great Britain)", as pyttsx3 lists it
    rate_wpm: int = 175
    volume_db: float = -6.0
    pitch: int = 50
    # written form -> spoken form, applied before synthesis (see kiosk.speech.text.spoken_form).
    lexicon: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LEXICON, hash=False)
    recogniser: RecogniserSettings = field(default_factory=RecogniserSettings)
    file: Path | None = None
    """The file the profile was read from; None for the built-in profile."""


DEFAULT_PROFILE: Final = VoiceProfile()

RATE_RANGE: Final = (80, 450)
VOLUME_RANGE: Final = (-40.0, 0.0)
PITCH_RANGE: Final = (0, 99)


def load_profile(path: Path) -> tuple[VoiceProfile, list[Problem]]:
    """The profile in ``path`` and the problems found in it.

    With any error (a missing or unreadable file, a TOML syntax error, a wrong value, an unknown
    setting) the result is ``DEFAULT_PROFILE`` plus every error and one warning saying the
    built-in settings are in use. Otherwise the profile, with ``file`` set to ``path``.
    """
    name = display_path(path)
    problems: list[Problem] = []
    profile: VoiceProfile | None = None
    text = _read_text(path, name, problems)
    if text is not None:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            problems.append(_syntax_problem(name, text, error))
        else:
            profile = _Checker(name, path, text, problems).profile(data)
    if profile is None or any(p.severity is Severity.ERROR for p in problems):
        problems.sort(key=lambda p: p.line)
        problems.append(Problem(name, 0, "", FALLBACK_WARNING, Severity.WARNING))
        return DEFAULT_PROFILE, problems
    return dataclasses.replace(profile, file=path), problems


def _read_text(path: Path, name: str, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(
            Problem(name, 0, "", f"the file cannot be read ({error.strerror or error})")
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(
            Problem(
                name,
                line,
                "",
                "the file is not saved as UTF-8 text (byte "
                f"0x{data[error.start]:02x} cannot be read); save it as UTF-8 in your editor",
            )
        )
        return None
    return text.removeprefix("\ufeff")


# --- TOML syntax errors ------------------------------------------------------------------------

_SYNTAX_HINTS: Final = {
    "Invalid value": (
        'a value is not written the TOML way; put text in double quotes (voice = "gmw/en") '
        "and numbers without quotes (rate_wpm = 175)"
    ),
    "Cannot overwrite a value": "a setting is given twice; keep only one",
    "Cannot declare": "a [section] is given twice; keep only one",
    "Expected '=' after a key": 'a line is missing its "=", e.g. rate_wpm = 175',
    "Unterminated string": "a quote is opened but never closed",
    "Unclosed array": "a list opened with [ on this line or above is never closed with ]",
    "Unclosed inline table": "a group opened with { is never closed with }",
    "Expected newline or end of document after a statement": (
        "there is more after the value than TOML allows; put each setting on its own line and "
        "start comments with #"
    ),
}
_UNCLOSED: Final = "a quote is opened but never closed"
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def _syntax_problem(name: str, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    message = str(error)
    found = _AT_LINE.search(message)
    detail = re.sub(r"\s*\(at (?:line \d+, column \d+|end of document)\)", "", message)
    if found:
        line = int(found.group(1))
    elif detail.startswith("Cannot overwrite"):  # tomllib says "at end of document" here
        line = _LineIndex(text).first_redefinition() or 0
    else:
        line = max(1, len(text.splitlines()))
    lines = text.splitlines()
    written = lines[line - 1] if 0 < line <= len(lines) else ""
    if written.count('"') % 2 == 1 or detail == "Illegal character '\\n'":
        # The quote runs on into the comment or to the end of the line, so TOML's complaint
        # names whatever follows; the cause is the unclosed quote.
        return Problem(name, line, "", f"this line cannot be read: {_UNCLOSED}")
    for needle, hint in _SYNTAX_HINTS.items():
        if detail.startswith(needle):
            return Problem(name, line, "", f"this line cannot be read: {hint}")
    return Problem(name, line, "", f"this line cannot be read ({detail})")


# --- where a key is written --------------------------------------------------------------------

_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_DOTTED = rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*"
_HEADER = re.compile(rf"[ \t]*\[\[?[ \t]*(?P<key>{_DOTTED})[ \t]*\]\]?[ \t]*(?:#.*)?")
_ASSIGN = re.compile(rf"[ \t]*(?P<key>{_DOTTED})[ \t]*=")

KeyPath = tuple[str, ...]


def _key_parts(dotted: str) -> KeyPath:
    parts: list[str] = []
    for part in re.findall(_KEY_PART, dotted):
        if part[0] in "\"'":
            value = tomllib.loads(f"k = {part}")["k"]
            parts.append(value if isinstance(value, str) else part)
        else:
            parts.append(part)
    return tuple(parts)


class _LineIndex:
    """The line of each ``[section]`` header and ``key =`` line, by full dotted key path."""

    def __init__(self, text: str) -> None:
        self.headers: list[tuple[int, KeyPath]] = []
        self.keys: list[tuple[int, KeyPath]] = []
        table: KeyPath = ()
        in_multiline = False
        for number, line in enumerate(text.splitlines(), start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_multiline:
                in_multiline = quotes % 2 == 0
                continue
            header = _HEADER.fullmatch(line)
            if header:
                table = _key_parts(header.group("key"))
                self.headers.append((number, table))
                continue
            assign = _ASSIGN.match(line)
            if assign:
                self.keys.append((number, table + _key_parts(assign.group("key"))))
            in_multiline = quotes % 2 == 1

    def line_of(self, path: KeyPath) -> int:
        """The line where ``path`` is set: its own key or header, else the first line inside it,
        else the line of the nearest enclosing section or key (an inline table); 0 if none."""
        lines = self.headers + self.keys
        exact = [n for n, p in lines if p == path]
        if exact:
            return min(exact)
        inside = [n for n, p in lines if p[: len(path)] == path]
        if inside:
            return min(inside)
        enclosing = [(len(p), -n) for n, p in lines if path[: len(p)] == p]
        return -max(enclosing)[1] if enclosing else 0

    def first_redefinition(self) -> int | None:
        """The first line that sets a key already set above (or a key inside it)."""
        seen: list[KeyPath] = []
        for number, path in self.keys:
            for earlier in seen:
                shorter = min(len(earlier), len(path))
                if earlier[:shorter] == path[:shorter]:
                    return number
            seen.append(path)
        return None


# --- checking the values -----------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_WORD = re.compile(r"[a-z][a-z']*")
_PHONE = re.compile(r"([A-Z]+)([012]?)")


def name_of(path: KeyPath) -> str:
    """A dotted key path as staff would write it: ``tts.rate_wpm``, ``lexicon."0808 800 6000"``."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else f'"{p}"' for p in path)


def describe(value: object) -> str:
    """How a found value is quoted back to staff."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if not value.strip():
            return "empty"
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of settings"
    return str(value)


class _Checker:
    """Reads the parsed TOML into a profile, reporting every problem.

    Each reader returns the value, or None after reporting why it cannot be used.
    """

    def __init__(self, name: str, path: Path, text: str, problems: list[Problem]) -> None:
        self.name = name
        self.path = path
        self.lines = _LineIndex(text)
        self.problems = problems

    def error(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.name, self.lines.line_of(path), name_of(path), message))

    def found(self, path: KeyPath, value: object, expected: str) -> None:
        self.error(path, f"{name_of(path)} is {describe(value)}; expected {expected}")

    def unknown_keys(self, path: KeyPath, table: Mapping[str, object], known: list[str]) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                self.error(
                    (*path, key),
                    f'unknown setting "{name_of((*path, key))}"{hint}; '
                    f"the settings are: {', '.join(known)}",
                )

    def table(self, path: KeyPath, data: Mapping[str, object]) -> Mapping[str, object] | None:
        """The ``[section]`` at ``path`` (``{}`` when absent); None if it is something else."""
        value = data.get(path[-1], {})
        if isinstance(value, dict):
            return value
        self.found(path, value, f"a group of settings under a [{name_of(path)}] line")
        return None

    def profile(self, data: Mapping[str, object]) -> VoiceProfile | None:
        self.unknown_keys((), data, ["language", "tts", "lexicon", "recogniser"])
        default = DEFAULT_PROFILE
        language = self.language(data.get("language", self.default_language()))
        tts = self.table(("tts",), data) or {}
        self.unknown_keys(("tts",), tts, ["voice", "rate_wpm", "volume_db", "pitch"])
        voice = self.text(
            ("tts", "voice"),
            tts.get("voice", default.tts_voice),
            'the espeak-ng voice in double quotes, e.g. "gmw/en"',
        )
        rate = self.whole(("tts", "rate_wpm"), tts.get("rate_wpm", default.rate_wpm), *RATE_RANGE)
        volume = self.number(
            ("tts", "volume_db"),
            tts.get("volume_db", default.volume_db),
            *VOLUME_RANGE,
            "a number of decibels from -40 to 0 (0 is the loudest)",
        )
        pitch = self.whole(("tts", "pitch"), tts.get("pitch", default.pitch), *PITCH_RANGE)
        lexicon_table = self.table(("lexicon",), data)
        lexicon = None if lexicon_table is None else self.lexicon(lexicon_table)
        recogniser_table = self.table(("recogniser",), data)
        recogniser = None if recogniser_table is None else self.recogniser(recogniser_table)
        if (
            language is None
            or voice is None
            or rate is None
            or volume is None
            or pitch is None
            or lexicon is None
            or recogniser is None
        ):
            return None
        return VoiceProfile(language, voice, rate, volume, pitch, lexicon, recogniser)

    def default_language(self) -> str:
        stem = self.path.stem
        return stem if _LANGUAGE.fullmatch(stem) else DEFAULT_PROFILE.language

    def language(self, value: object) -> str | None:
        path = ("language",)
        if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
            self.found(path, value, "2 or 3 lower-case letters, e.g. en")
            return None
        stem = self.path.stem
        if _LANGUAGE.fullmatch(stem) and value != stem:
            self.found(path, value, f'"{stem}", the language in the file name {stem}.toml')
            return None
        return value

    def text(self, path: KeyPath, value: object, expected: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.found(path, value, expected)
        return None

    def whole(self, path: KeyPath, value: object, low: int, high: int) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.found(path, value, f"a whole number from {low} to {high}")
        return None

    def number(
        self, path: KeyPath, value: object, low: float, high: float, expected: str
    ) -> float | None:
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        ):
            return float(value)
        self.found(path, value, expected)
        return None

    def lexicon(self, table: Mapping[str, object]) -> Mapping[str, str] | None:
        entries: dict[str, str] = {}
        valid = True
        for key, value in table.items():
            path = ("lexicon", key)
            if not key.strip():
                self.error(
                    path,
                    "lexicon has an empty written form; expected the written word or phrase "
                    'in double quotes, e.g. "GP" = "G P"',
                )
                valid = False
            elif isinstance(value, str) and value.strip():
                entries[key] = value
            else:
                self.found(path, value, 'the spoken form in double quotes, e.g. "G P"')
                valid = False
        return MappingProxyType(entries) if valid else None

    def recogniser(self, table: Mapping[str, object]) -> RecogniserSettings | None:
        default = DEFAULT_PROFILE.recogniser
        section = ("recogniser",)
        self.unknown_keys(
            section,
            table,
            [
                "engine_order",
                "vosk_model",
                "accept_score",
                "confirm_score",
                "pronunciations",
                "concepts",
            ],
        )
        engines = self.engine_order(table.get("engine_order", list(default.engine_order)))
        model = self.model_name(table.get("vosk_model", default.vosk_model))
        scores: dict[str, float | None] = {}
        for key in ("accept_score", "confirm_score"):
            scores[key] = self.number(
                (*section, key),
                table.get(key, getattr(default, key)),
                0.0,
                1.0,
                "a number from 0 to 1",
            )
        accept, confirm = scores["accept_score"], scores["confirm_score"]
        if accept is not None and confirm is not None and confirm >= accept:
            # Blame the one the file sets: the other may be a built-in value staff cannot see.
            if "confirm_score" in table:
                self.found(
                    (*section, "confirm_score"),
                    confirm,
                    f"a number below recogniser.accept_score ({accept:g})",
                )
                confirm = None
            else:
                self.found(
                    (*section, "accept_score"),
                    accept,
                    f"a number above recogniser.confirm_score ({confirm:g})",
                )
                accept = None
        pronunciations_table = self.table((*section, "pronunciations"), table)
        pronunciations = (
            None if pronunciations_table is None else self.pronunciations(pronunciations_table)
        )
        concepts: Mapping[str, tuple[str, ...]] | None = default.concepts
        if "concepts" in table:  # without the table, the built-in groups
            concepts_table = self.table((*section, "concepts"), table)
            concepts = None if concepts_table is None else self.concepts(concepts_table)
        if (
            engines is None
            or model is None
            or accept is None
            or confirm is None
            or pronunciations is None
            or concepts is None
        ):
            return None
        return RecogniserSettings(engines, model, pronunciations, accept, confirm, concepts)

    def engine_order(self, value: object) -> tuple[str, ...] | None:
        path = ("recogniser", "engine_order")
        choices = ", ".join(f'"{e}"' for e in ENGINES)
        if not isinstance(value, list):
            self.found(path, value, f"a list such as [{choices}]")
            return None
        if not value:
            self.error(path, f"{name_of(path)} is an empty list; expected one or both of {choices}")
            return None
        engines: list[str] = []
        for item in value:
            if not isinstance(item, str) or item not in ENGINES:
                self.found(path, item, f"each item to be one of: {choices}")
                return None
            if item in engines:
                self.error(path, f'{name_of(path)} lists "{item}" twice; expected each engine once')
                return None
            engines.append(item)
        return tuple(engines)

    def model_name(self, value: object) -> str | None:
        path = ("recogniser", "vosk_model")
        if isinstance(value, str) and _MODEL_NAME.fullmatch(value) and ".." not in value:
            return value
        self.found(path, value, 'the name of a model folder, e.g. "vosk-model-small-en-us-0.15"')
        return None

    def pronunciations(self, table: Mapping[str, object]) -> Mapping[str, str] | None:
        section = ("recogniser", "pronunciations")
        entries: dict[str, str] = {}
        valid = True
        for word, phones in table.items():
            path = (*section, word)
            if not _WORD.fullmatch(word):
                self.error(
                    path,
                    f'{name_of(section)} has the word "{word}"; expected one word in lower-case '
                    "letters, e.g. hypercalcaemia",
                )
                valid = False
                continue
            problem = _phones_problem(phones)
            if problem is not None or not isinstance(phones, str):
                self.found(path, phones, problem or "")
                valid = False
                continue
            entries[word] = " ".join(phones.split())
        return MappingProxyType(entries) if valid else None

    def concepts(self, table: Mapping[str, object]) -> Mapping[str, tuple[str, ...]] | None:
        """``concept = "word word ..."``: each word in one concept only."""
        section = ("recogniser", "concepts")
        groups: dict[str, tuple[str, ...]] = {}
        owner: dict[str, str] = {}
        valid = True
        for concept, words in table.items():
            path = (*section, concept)
            if not _WORD.fullmatch(concept):
                self.error(
                    path,
                    f'{name_of(section)} has the concept "{concept}"; expected one word in '
                    "lower-case letters, e.g. tired",
                )
                valid = False
                continue
            members = words.split() if isinstance(words, str) else []
            bad = [w for w in members if not _WORD.fullmatch(w)]
            if not members or bad:
                hint = f' ("{bad[0]}" is not one)' if bad else ""
                self.found(
                    path,
                    words,
                    "lower-case words in double quotes separated by spaces, e.g. "
                    f'"tired exhausted fatigue"{hint}',
                )
                valid = False
                continue
            for word in members:
                if owner.setdefault(word, concept) != concept:
                    self.error(
                        path,
                        f'{name_of(path)} has "{word}", which {name_of(section)}.'
                        f"{owner[word]} has already; expected each word in one concept only",
                    )
                    valid = False
            groups[concept] = tuple(dict.fromkeys(members))
        return MappingProxyType(groups) if valid else None


def _phones_problem(phones: object) -> str | None:
    """What is wrong with a pronunciation, as the end of an "expected ..." message; else None."""
    expected = 'ARPAbet phones in capitals separated by spaces, e.g. "AH N IY M IY AH"'
    if not isinstance(phones, str) or not phones.split():
        return expected
    for phone in phones.split():
        match = _PHONE.fullmatch(phone)
        if match is None or match.group(1) not in ARPABET:
            return f'{expected} ("{phone}" is not an ARPAbet phone)'
    return None
