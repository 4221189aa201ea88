"""The voice profile: the real file loads; every mistake is reported where staff can find it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pytest

from kiosk.content.problems import Problem, Severity
from kiosk.listen.settings import DEFAULT_CONCEPTS, RecogniserSettings
from kiosk.speech.profile import DEFAULT_PROFILE, FALLBACK_WARNING, VoiceProfile, load_profile
from kiosk.speech.text import spoken_form

REPO = Path(__file__).resolve().parents[3]
REAL = REPO / "voices" / "en.toml"
TEXT = REAL.read_text(encoding="utf-8")

Edit = Callable[[str], str]


def replace(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} is not in voices/en.toml"
        return text.replace(old, new, 1)

    return edit


def whole(text: str) -> Edit:
    return lambda _: text


@pytest.fixture
def voices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``voices`` folder; the working folder is its parent, as in the kiosk."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "voices"
    folder.mkdir()
    return folder


def line_of(text: str, marker: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def test_the_real_profile_loads_without_problems() -> None:
    profile, problems = load_profile(REAL)
    assert problems == []
    assert profile.file == REAL
    assert profile.language == "en"
    assert profile.tts_voice == "gmw/en"
    assert (profile.rate_wpm, profile.volume_db, profile.pitch) == (175, -6.0, 50)
    assert profile.lexicon["GP"] == "G P"
    assert profile.lexicon["0808 800 6000"] == "0 8 0 8, 8 0 0, 6 0 0 0"
    assert profile.recogniser.engine_order == ("vosk", "pocketsphinx")
    assert profile.recogniser.vosk_model == "vosk-model-small-en-us-0.15"
    assert (profile.recogniser.accept_score, profile.recogniser.confirm_score) == (0.8, 0.6)
    assert profile.recogniser.pronunciations["hypercalcaemia"] == "HH AY P ER K AE L S IY M IY AH"
    assert spoken_form("Ask your GP about hypercalcaemia.", profile.lexicon) == (
        "Ask your G P about hypercalcemia."
    )


def test_the_built_in_profile() -> None:
    assert DEFAULT_PROFILE.file is None
    assert VoiceProfile() == DEFAULT_PROFILE
    assert DEFAULT_PROFILE.recogniser == RecogniserSettings()
    assert (DEFAULT_PROFILE.tts_voice, DEFAULT_PROFILE.rate_wpm) == ("gmw/en", 175)
    assert DEFAULT_PROFILE.recogniser.engine_order == ("vosk", "pocketsphinx")
    assert isinstance(DEFAULT_PROFILE.lexicon, MappingProxyType)  # cannot be changed by mistake
    hash(DEFAULT_PROFILE)  # usable as a dict key despite its mappings


def test_missing_settings_take_their_built_in_values(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_text('language = "en"\n[tts]\nrate_wpm = 200\n', encoding="utf-8")
    profile, problems = load_profile(path)
    assert problems == []
    assert profile.rate_wpm == 200
    assert profile.tts_voice == DEFAULT_PROFILE.tts_voice
    assert profile.lexicon == {}  # no [lexicon]: nothing is respelled
    assert profile.recogniser.pronunciations == {}
    assert profile.recogniser.engine_order == ("vosk", "pocketsphinx")


def test_other_valid_values(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_text(
        TEXT.replace("rate_wpm = 175", "rate_wpm = 80")
        .replace("volume_db = -6.0", "volume_db = 0")
        .replace('engine_order = ["vosk", "pocketsphinx"]', 'engine_order = ["pocketsphinx"]')
        .replace('anaemia = "AH N IY M IY AH"', 'anaemia = "AH0 N IY1 M IY0 AH0"'),
        encoding="utf-8",
    )
    profile, problems = load_profile(path)
    assert problems == []
    assert (profile.rate_wpm, profile.volume_db) == (80, 0.0)
    assert isinstance(profile.volume_db, float)
    assert profile.recogniser.engine_order == ("pocketsphinx",)
    assert profile.file == path


def test_a_dotted_key_and_an_inline_table_are_read_too(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_text('tts.rate_wpm = 150\nrecogniser = { vosk_model = "m" }\n', encoding="utf-8")
    profile, problems = load_profile(path)
    assert problems == []
    assert (profile.rate_wpm, profile.recogniser.vosk_model, profile.language) == (150, "m", "en")


@dataclass(frozen=True)
class Case:
    name: str
    edit: Edit
    line_marker: str | int  # text on the expected line, or the line number
    field: str
    message: str


CASES = [
    Case(
        "rate too fast",
        replace("rate_wpm = 175", "rate_wpm = 900"),
        "rate_wpm = 900",
        "tts.rate_wpm",
        "tts.rate_wpm is 900; expected a whole number from 80 to 450",
    ),
    Case(
        "rate not whole",
        replace("rate_wpm = 175", "rate_wpm = 175.5"),
        "rate_wpm =",
        "tts.rate_wpm",
        "tts.rate_wpm is 175.5; expected a whole number from 80 to 450",
    ),
    Case(
        "rate in quotes",
        replace("rate_wpm = 175", 'rate_wpm = "175"'),
        "rate_wpm =",
        "tts.rate_wpm",
        'tts.rate_wpm is "175"; expected a whole number from 80 to 450',
    ),
    Case(
        "rate true",
        replace("rate_wpm = 175", "rate_wpm = true"),
        "rate_wpm =",
        "tts.rate_wpm",
        "tts.rate_wpm is true; expected a whole number from 80 to 450",
    ),
    Case(
        "volume too loud",
        replace("volume_db = -6.0", "volume_db = 3"),
        "volume_db =",
        "tts.volume_db",
        "tts.volume_db is 3; expected a number of decibels from -40 to 0 (0 is the loudest)",
    ),
    Case(
        "volume nan",
        replace("volume_db = -6.0", "volume_db = nan"),
        "volume_db =",
        "tts.volume_db",
        "tts.volume_db is nan; expected a number of decibels from -40 to 0 (0 is the loudest)",
    ),
    Case(
        "pitch too high",
        replace("pitch = 50", "pitch = 100"),
        "pitch = 100",
        "tts.pitch",
        "tts.pitch is 100; expected a whole number from 0 to 99",
    ),
    Case(
        "pitch negative",
        replace("pitch = 50", "pitch = -1"),
        "pitch = -1",
        "tts.pitch",
        "tts.pitch is -1; expected a whole number from 0 to 99",
    ),
    Case(
        "voice empty",
        replace('voice = "gmw/en"', 'voice = "  "'),
        "voice =",
        "tts.voice",
        'tts.voice is empty; expected the espeak-ng voice in double quotes, e.g. "gmw/en"',
    ),
    Case(
        "voice a number",
        replace('voice = "gmw/en"', "voice = 2"),
        "voice =",
        "tts.voice",
        'tts.voice is 2; expected the espeak-ng voice in double quotes, e.g. "gmw/en"',
    ),
    Case(
        "language capitals",
        replace('language = "en"', 'language = "EN"'),
        "language =",
        "language",
        'language is "EN"; expected 2 or 3 lower-case letters, e.g. en',
    ),
    Case(
        "language a name",
        replace('language = "en"', 'language = "English"'),
        "language =",
        "language",
        'language is "English"; expected 2 or 3 lower-case letters, e.g. en',
    ),
    Case(
        "language not the file's",
        replace('language = "en"', 'language = "fr"'),
        "language =",
        "language",
        'language is "fr"; expected "en", the language in the file name en.toml',
    ),
    Case(
        "lexicon value a number",
        replace('"GP" = "G P"', '"GP" = 5'),
        '"GP" = 5',
        "lexicon.GP",
        'lexicon.GP is 5; expected the spoken form in double quotes, e.g. "G P"',
    ),
    Case(
        "lexicon phrase empty",
        replace('"0808 800 6000" = "0 8 0 8, 8 0 0, 6 0 0 0"', '"0808 800 6000" = ""'),
        '"0808 800 6000" = ""',
        'lexicon."0808 800 6000"',
        'lexicon."0808 800 6000" is empty; expected the spoken form in double quotes, e.g. "G P"',
    ),
    Case(
        "lexicon empty key",
        replace('"GP" = "G P"', '"GP" = "G P"\n"" = "nothing"'),
        '"" = "nothing"',
        'lexicon.""',
        'lexicon has an empty written form; expected the written word or phrase in double quotes, e.g. "GP" = "G P"',
    ),
    Case(
        "lexicon not a table",
        whole('lexicon = "GP"\n'),
        1,
        "lexicon",
        'lexicon is "GP"; expected a group of settings under a [lexicon] line',
    ),
    Case(
        "engine unknown",
        replace('engine_order = ["vosk", "pocketsphinx"]', 'engine_order = ["vosk", "whisper"]'),
        "engine_order =",
        "recogniser.engine_order",
        'recogniser.engine_order is "whisper"; expected each item to be one of: "vosk", "pocketsphinx"',
    ),
    Case(
        "engine twice",
        replace('engine_order = ["vosk", "pocketsphinx"]', 'engine_order = ["vosk", "vosk"]'),
        "engine_order =",
        "recogniser.engine_order",
        'recogniser.engine_order lists "vosk" twice; expected each engine once',
    ),
    Case(
        "engines empty",
        replace('engine_order = ["vosk", "pocketsphinx"]', "engine_order = []"),
        "engine_order =",
        "recogniser.engine_order",
        'recogniser.engine_order is an empty list; expected one or both of "vosk", "pocketsphinx"',
    ),
    Case(
        "engines not a list",
        replace('engine_order = ["vosk", "pocketsphinx"]', 'engine_order = "vosk"'),
        "engine_order =",
        "recogniser.engine_order",
        'recogniser.engine_order is "vosk"; expected a list such as ["vosk", "pocketsphinx"]',
    ),
    Case(
        "model a path",
        replace('vosk_model = "vosk-model-small-en-us-0.15"', 'vosk_model = "../../etc"'),
        "vosk_model =",
        "recogniser.vosk_model",
        'recogniser.vosk_model is "../../etc"; expected the name of a model folder, e.g. "vosk-model-small-en-us-0.15"',
    ),
    Case(
        "accept above 1",
        replace("accept_score = 0.80", "accept_score = 1.5"),
        "accept_score =",
        "recogniser.accept_score",
        "recogniser.accept_score is 1.5; expected a number from 0 to 1",
    ),
    Case(
        "confirm negative",
        replace("confirm_score = 0.60", "confirm_score = -0.1"),
        "confirm_score =",
        "recogniser.confirm_score",
        "recogniser.confirm_score is -0.1; expected a number from 0 to 1",
    ),
    Case(
        "confirm above accept",
        replace("confirm_score = 0.60", "confirm_score = 0.9"),
        "confirm_score =",
        "recogniser.confirm_score",
        "recogniser.confirm_score is 0.9; expected a number below recogniser.accept_score (0.8)",
    ),
    Case(
        "accept below the built-in confirm",
        whole('language = "en"\n[recogniser]\naccept_score = 0.5\n'),
        3,
        "recogniser.accept_score",
        "recogniser.accept_score is 0.5; expected a number above recogniser.confirm_score (0.6)",
    ),
    Case(
        "phone not ARPAbet",
        replace('anaemia = "AH N IY M IY AH"', 'anaemia = "AH N Q M IY AH"'),
        "anaemia =",
        "recogniser.pronunciations.anaemia",
        'recogniser.pronunciations.anaemia is "AH N Q M IY AH"; expected ARPAbet phones in capitals separated by spaces, e.g. "AH N IY M IY AH" ("Q" is not an ARPAbet phone)',
    ),
    Case(
        "phones in lower case",
        replace('anaemia = "AH N IY M IY AH"', 'anaemia = "ah n iy m iy ah"'),
        "anaemia =",
        "recogniser.pronunciations.anaemia",
        'recogniser.pronunciations.anaemia is "ah n iy m iy ah"; expected ARPAbet phones in capitals separated by spaces, e.g. "AH N IY M IY AH" ("ah" is not an ARPAbet phone)',
    ),
    Case(
        "phones a respelling",
        replace('anaemia = "AH N IY M IY AH"', 'anaemia = "a-nee-mia"'),
        "anaemia =",
        "recogniser.pronunciations.anaemia",
        'recogniser.pronunciations.anaemia is "a-nee-mia"; expected ARPAbet phones in capitals separated by spaces, e.g. "AH N IY M IY AH" ("a-nee-mia" is not an ARPAbet phone)',
    ),
    Case(
        "phones empty",
        replace('anaemia = "AH N IY M IY AH"', 'anaemia = ""'),
        "anaemia =",
        "recogniser.pronunciations.anaemia",
        'recogniser.pronunciations.anaemia is empty; expected ARPAbet phones in capitals separated by spaces, e.g. "AH N IY M IY AH"',
    ),
    Case(
        "pronounced word capitalised",
        replace('anaemia = "AH N IY M IY AH"', 'Anaemia = "AH N IY M IY AH"'),
        "Anaemia =",
        "recogniser.pronunciations.Anaemia",
        'recogniser.pronunciations has the word "Anaemia"; expected one word in lower-case letters, e.g. hypercalcaemia',
    ),
    Case(
        "concept word in capitals",
        replace('spine = "spine spinal backbone vertebra"', 'spine = "spine Spinal backbone"'),
        "spine =",
        "recogniser.concepts.spine",
        'recogniser.concepts.spine is "spine Spinal backbone"; expected lower-case words in double quotes separated by spaces, e.g. "tired exhausted fatigue" ("Spinal" is not one)',
    ),
    Case(
        "concept empty",
        replace('cure = "cure cured curable"', 'cure = ""'),
        "cure =",
        "recogniser.concepts.cure",
        'recogniser.concepts.cure is empty; expected lower-case words in double quotes separated by spaces, e.g. "tired exhausted fatigue"',
    ),
    Case(
        "concept a number",
        replace('cure = "cure cured curable"', "cure = 5"),
        "cure =",
        "recogniser.concepts.cure",
        'recogniser.concepts.cure is 5; expected lower-case words in double quotes separated by spaces, e.g. "tired exhausted fatigue"',
    ),
    Case(
        "word in two concepts",
        replace('energy = "energy energetic"', 'energy = "energy energetic exhausted"'),
        "energy =",
        "recogniser.concepts.energy",
        'recogniser.concepts.energy has "exhausted", which recogniser.concepts.tired has already; expected each word in one concept only',
    ),
    Case(
        "concept capitalised",
        replace('bone = "bone skeleton"', 'Bone = "bone skeleton"'),
        "Bone =",
        "recogniser.concepts.Bone",
        'recogniser.concepts has the concept "Bone"; expected one word in lower-case letters, e.g. tired',
    ),
    Case(
        "unknown tts key",
        replace("rate_wpm = 175", "rat_wpm = 175"),
        "rat_wpm =",
        "tts.rat_wpm",
        'unknown setting "tts.rat_wpm" (did you mean "rate_wpm"?); the settings are: voice, rate_wpm, volume_db, pitch',
    ),
    Case(
        "unknown section",
        replace("[recogniser]", "[recognizer]"),
        "[recognizer]",
        "recognizer",
        'unknown setting "recognizer" (did you mean "recogniser"?); the settings are: language, tts, lexicon, recogniser',
    ),
    Case(
        "unknown key without a close match",
        replace("pitch = 50", "pitch = 50\ncolour = 1"),
        "colour = 1",
        "tts.colour",
        'unknown setting "tts.colour"; the settings are: voice, rate_wpm, volume_db, pitch',
    ),
    Case(
        "unknown recogniser key",
        replace("accept_score = 0.80", "accept_score = 0.80\nacept_score = 0.9"),
        "acept_score",
        "recogniser.acept_score",
        'unknown setting "recogniser.acept_score" (did you mean "accept_score"?); the settings are: engine_order, vosk_model, accept_score, confirm_score, pronunciations, concepts',
    ),
    Case(
        "dotted key at the top",
        whole("tts.rate_wpm = 10\n"),
        1,
        "tts.rate_wpm",
        "tts.rate_wpm is 10; expected a whole number from 80 to 450",
    ),
    Case(
        "inline table",
        whole('language = "en"\ntts = { voice = "gmw/en", rate_wpm = 10 }\n'),
        2,
        "tts.rate_wpm",
        "tts.rate_wpm is 10; expected a whole number from 80 to 450",
    ),
    # TOML syntax errors
    Case(
        "text without quotes",
        replace('voice = "gmw/en"', "voice = gmw/en"),
        "voice = gmw/en",
        "",
        'this line cannot be read: a value is not written the TOML way; put text in double quotes (voice = "gmw/en") and numbers without quotes (rate_wpm = 175)',
    ),
    Case(
        "setting given twice",
        replace("pitch = 50", "pitch = 50\npitch = 60"),
        "pitch = 60",
        "",
        "this line cannot be read: a setting is given twice; keep only one",
    ),
    Case(
        "section given twice",
        replace("[lexicon]", "[tts]\n[lexicon]"),
        0,
        "",
        "this line cannot be read: a [section] is given twice; keep only one",
    ),
    Case(
        "missing equals sign",
        replace("pitch = 50", "pitch 50"),
        "pitch 50",
        "",
        'this line cannot be read: a line is missing its "=", e.g. rate_wpm = 175',
    ),
    Case(
        "two settings on a line",
        replace("pitch = 50", "pitch = 50 rate_wpm = 175"),
        "pitch = 50 rate_wpm",
        "",
        "this line cannot be read: there is more after the value than TOML allows; put each setting on its own line and start comments with #",
    ),
    Case(
        "unclosed quote before a comment",
        replace('voice = "gmw/en"', 'voice = "gmw/en'),
        'voice = "gmw/en',
        "",
        "this line cannot be read: a quote is opened but never closed",
    ),
    Case(
        "unclosed quote",
        whole('language = "en\n[tts]\n'),
        1,
        "",
        "this line cannot be read: a quote is opened but never closed",
    ),
    Case(
        "unclosed list",
        replace(
            'engine_order = ["vosk", "pocketsphinx"]', 'engine_order = ["vosk", "pocketsphinx"'
        ),
        "vosk_model =",
        "",
        "this line cannot be read: a list opened with [ on this line or above is never closed with ]",
    ),
    Case(
        "unknown syntax error",
        whole("[tts\n"),
        1,
        "",
        "this line cannot be read (Expected ']' at the end of a table declaration)",
    ),
]


def section_twice_line(text: str) -> int:
    # The second [tts] header, which the "section given twice" case adds before [lexicon].
    return [n for n, line in enumerate(text.splitlines(), start=1) if line == "[tts]"][1]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_mistake_is_reported_where_staff_can_find_it(voices: Path, case: Case) -> None:
    path = voices / "en.toml"
    text = case.edit(TEXT)
    path.write_text(text, encoding="utf-8")
    if case.name == "section given twice":
        line = section_twice_line(text)
    elif isinstance(case.line_marker, str):
        line = line_of(text, case.line_marker)
    else:
        line = case.line_marker
    profile, problems = load_profile(path)
    assert profile == DEFAULT_PROFILE and profile.file is None
    assert problems == [
        Problem("voices/en.toml", line, case.field, case.message),
        Problem("voices/en.toml", 0, "", FALLBACK_WARNING, Severity.WARNING),
    ]
    assert problems[0].format() == f"voices/en.toml:{line}: {case.message}"


def test_every_problem_is_collected(voices: Path) -> None:
    path = voices / "en.toml"
    text = (
        TEXT.replace("rate_wpm = 175", "rate_wpm = 900")
        .replace("pitch = 50", "pich = 50")
        .replace('"GP" = "G P"', '"GP" = 5')
        .replace("accept_score = 0.80", "accept_score = 2")
    )
    path.write_text(text, encoding="utf-8")
    profile, problems = load_profile(path)
    assert profile == DEFAULT_PROFILE
    errors = [(p.line, p.field) for p in problems if p.severity is Severity.ERROR]
    assert errors == [
        (line_of(text, "rate_wpm = 900"), "tts.rate_wpm"),
        (line_of(text, "pich = 50"), "tts.pich"),
        (line_of(text, '"GP" = 5'), "lexicon.GP"),
        (line_of(text, "accept_score = 2"), "recogniser.accept_score"),
    ]
    assert problems[-1].severity is Severity.WARNING


def test_a_missing_file_falls_back_to_the_built_in_profile(voices: Path) -> None:
    profile, problems = load_profile(voices / "en.toml")
    assert profile is DEFAULT_PROFILE
    assert problems == [
        Problem("voices/en.toml", 0, "", "the file cannot be read (No such file or directory)"),
        Problem("voices/en.toml", 0, "", FALLBACK_WARNING, Severity.WARNING),
    ]


def test_a_file_that_is_not_utf8_is_reported_at_its_line(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_bytes(TEXT.replace("GP", "G\xe9P").encode("latin-1"))
    profile, problems = load_profile(path)
    assert profile is DEFAULT_PROFILE
    assert problems[0].line == line_of(TEXT, '"GP" = "G P"')
    assert "not saved as UTF-8" in problems[0].message
    assert problems[-1].message == FALLBACK_WARNING


def test_a_byte_order_mark_and_windows_line_ends_are_fine(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    profile, problems = load_profile(path)
    assert problems == []
    assert profile.lexicon["GP"] == "G P"


def test_a_syntax_error_at_the_end_of_the_file(voices: Path) -> None:
    path = voices / "en.toml"
    text = TEXT + 'extra = """never closed\n'
    path.write_text(text, encoding="utf-8")
    profile, problems = load_profile(path)
    assert profile is DEFAULT_PROFILE
    assert problems[0] == Problem(
        "voices/en.toml",
        len(text.splitlines()),
        "",
        "this line cannot be read: a quote is opened but never closed",
    )
    assert problems[1].severity is Severity.WARNING


def test_a_profile_with_another_file_name_keeps_its_language(voices: Path) -> None:
    path = voices / "kiosk-voice.toml"
    path.write_text('language = "cy"\n', encoding="utf-8")
    profile, problems = load_profile(path)
    assert problems == [] and profile.language == "cy"
    other = voices / "de.toml"
    other.write_text("[tts]\npitch = 40\n", encoding="utf-8")
    profile, problems = load_profile(other)
    assert problems == [] and profile.language == "de"  # from the file name


def test_the_files_concepts_are_the_built_in_ones() -> None:
    """voices/en.toml and the built-in groups are kept in step: a broken file changes nothing."""
    profile, _ = load_profile(REAL)
    assert dict(profile.recogniser.concepts) == dict(DEFAULT_CONCEPTS)
    assert list(profile.recogniser.concepts) == list(DEFAULT_CONCEPTS)  # same order
    assert DEFAULT_CONCEPTS["tired"][:3] == ("tired", "tiredness", "exhausted")
    assert "weary" not in {w for words in DEFAULT_CONCEPTS.values() for w in words}


def test_without_concepts_the_built_in_ones_are_used(voices: Path) -> None:
    path = voices / "en.toml"
    path.write_text(TEXT.split("[recogniser.concepts]")[0], encoding="utf-8")
    profile, problems = load_profile(path)
    assert problems == []
    assert profile.recogniser.concepts == DEFAULT_CONCEPTS


def test_concepts_from_the_profile_reach_the_matcher_and_the_request_language(
    voices: Path,
) -> None:
    from kiosk.content.loader import load_content
    from kiosk.listen.language import build_language
    from kiosk.listen.matching import RequestMatcher, TopicMatch
    from kiosk.paths import CONTENT_DIR

    path = voices / "en.toml"
    path.write_text(
        TEXT.replace("lethargy shattered", "lethargy shattered knackered"), encoding="utf-8"
    )
    profile, problems = load_profile(path)
    assert problems == []
    concepts = profile.recogniser.concepts
    assert concepts["tired"][-1] == "knackered"
    content = load_content(CONTENT_DIR).content
    assert content is not None
    built_in = RequestMatcher(content)
    matcher = RequestMatcher(content, concepts=concepts)
    tired = matcher.match("i feel exhausted")
    assert isinstance(tired, TopicMatch)
    knackered = matcher.match("i feel knackered")
    assert isinstance(knackered, TopicMatch) and knackered.topic_id == tired.topic_id
    unknown = built_in.match("i feel knackered")
    assert getattr(unknown, "topic_id", None) != tired.topic_id, "only with the profile's word"
    assert "i feel knackered" in build_language(content, concepts=concepts).lines()
    assert "i feel knackered" not in build_language(content).lines()
