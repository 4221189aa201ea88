"""Command line: ``python run_kiosk.py [SUB-COMMAND]``. With no sub-command the kiosk starts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.paths import CONTENT_DIR

if TYPE_CHECKING:
    from kiosk.content.problems import Problem


def _cmd_check(args: argparse.Namespace) -> int:
    from kiosk.content.problems import Severity
    from kiosk.content.report import check_content, dumps
    from kiosk.paths import VOICES_DIR
    from kiosk.speech.profile import load_profile

    report = check_content(Path(args.content_dir))
    profile_file = Path(args.profile) if args.profile else VOICES_DIR / "en.toml"
    _, problems = load_profile(profile_file)
    report.extra_errors += [p for p in problems if p.severity is Severity.ERROR]
    report.extra_warnings += [p for p in problems if p.severity is Severity.WARNING]
    report.extra_warnings += _vocabulary_problems(report, profile_file)
    print(dumps(report) if args.json else report.as_text())
    return report.exit_status


def _vocabulary_problems(report: object, profile_file: Path) -> list[Problem]:
    """Words of valid content the active recogniser cannot hear (checker warnings)."""
    from kiosk.content.problems import Problem, Severity
    from kiosk.content.report import CheckReport
    from kiosk.listen.engines import create_recogniser
    from kiosk.listen.matching import RequestMatcher
    from kiosk.listen.recognition import EngineUnavailable
    from kiosk.listen.vocabulary import vocabulary_warnings
    from kiosk.paths import MODELS_DIR
    from kiosk.speech.profile import load_profile

    assert isinstance(report, CheckReport)
    contents = [load.content for load in report.loads if load.content is not None]
    if not contents:
        return []
    profile, _ = load_profile(profile_file)
    settings = profile.recogniser
    try:
        recogniser, _reason = create_recogniser(settings, MODELS_DIR)
    except EngineUnavailable as error:
        return [Problem(str(profile_file), 0, "recogniser", str(error), Severity.WARNING)]
    problems: list[Problem] = []
    for content in contents:
        matcher = RequestMatcher(
            content, settings.accept_score, settings.confirm_score, settings.concepts
        )
        problems += vocabulary_warnings(content, recogniser, matcher)
    return problems


def _cmd_bench(args: argparse.Namespace) -> int:
    from kiosk.bench import SUITES, run_suites

    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        print(
            f"unknown benchmark suite(s): {', '.join(unknown)}; expected: {', '.join(SUITES)}",
            file=sys.stderr,
        )
        return 2
    figures = run_suites(args.suites or list(SUITES), progress=None if args.json else print)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max((len(k) for k in figures), default=0)
        for name, value in figures.items():
            print(f"{name:<{width}}  {value}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import gc
    import resource

    # A start makes many objects (modules, classes, Qt wrappers) and almost no garbage: the
    # cyclic collector ran 84 times over them before Home was painted (50-68 ms of a start,
    # measured with gc.callbacks on a loaded machine). It is off until Home is on screen
    # (run_kiosk turns it back on then, with what the start made frozen out of later passes).
    gc.disable()
    from kiosk.app import run_kiosk

    # What patients said passes through the kiosk's memory: a crash must not write it to disk in
    # a core dump (the kiosk's child processes inherit this limit).
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        return run_kiosk(
            content_dir=Path(args.content),
            windowed=args.windowed,
            exit_when_ready=args.exit_when_ready,
        )
    finally:
        gc.enable()  # (when the kiosk did not start, or returned)


def _cmd_set_pin(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.core.pin import PinError, StaffPin

    store = StaffPin(Path(args.file) if args.file else StaffPin.default_file())
    if args.pin_stdin:
        lines = sys.stdin.read().splitlines()
        first = lines[0].strip() if lines else ""
        second = lines[1].strip() if len(lines) > 1 else first
    else:
        first = getpass.getpass("New staff PIN (4 to 12 digits): ")
        second = getpass.getpass("Type it again: ")
    if first != second:
        print("The two PINs are different; nothing was changed.", file=sys.stderr)
        return 1
    try:
        store.set_pin(first)
    except PinError as error:
        print(f"{error}; nothing was changed.", file=sys.stderr)
        return 1
    print(f"Staff PIN saved (salted and hashed) in {store.settings_file}.")
    return 0


def _cmd_say(args: argparse.Namespace) -> int:
    import wave

    from kiosk.content.loader import load_content
    from kiosk.paths import VOICES_DIR
    from kiosk.speech.profile import load_profile
    from kiosk.speech.render import SentenceRenderer, VoiceSettings
    from kiosk.speech.text import sentences_of
    from kiosk.speech.tts import TtsError

    profile, problems = load_profile(Path(args.profile) if args.profile else VOICES_DIR / "en.toml")
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    if args.topic:
        content = load_content(Path(args.content)).content
        topic = content.topic(args.topic) if content is not None else None
        if topic is None:
            print(f"there is no topic with id {args.topic!r} in valid content", file=sys.stderr)
            return 1
        units = [topic.title, *topic.body.texts()]
    elif args.text:
        units = [args.text]
    else:
        print("say what? give TEXT or --topic ID", file=sys.stderr)
        return 2
    texts = [s.text for s in sentences_of(units)]
    renderer = SentenceRenderer(
        VoiceSettings(profile.tts_voice, profile.pitch, profile.lexicon), cache=None
    )
    try:
        audio = renderer.render_all(texts, args.rate or profile.rate_wpm)
    except (TtsError, ValueError, OSError) as error:
        print(f"say failed: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(audio.channels)
        wav.setsampwidth(audio.sample_width)
        wav.setframerate(audio.rate)
        wav.writeframes(audio.pcm)
    seconds = len(audio.pcm) / (audio.rate * audio.channels * audio.sample_width)
    print(f"saved {out} ({len(texts)} sentences, {seconds:.1f} s, voice {profile.tts_voice})")
    return 0


def _cmd_hear(args: argparse.Namespace) -> int:
    from kiosk.content.loader import load_content
    from kiosk.listen.audio import UnreadableAudio, read_wav_16k
    from kiosk.listen.dialogue import heard_answer
    from kiosk.listen.hearing import hear_utterance, kiosk_listener
    from kiosk.listen.recognition import EngineUnavailable

    content = load_content(Path(args.content_dir)).content
    if content is None:
        print("the content has errors; run: python run_kiosk.py check", file=sys.stderr)
        return 1
    try:
        recogniser, matcher, reason, unknown = kiosk_listener(content, args.engine)
    except (EngineUnavailable, ValueError) as error:
        print(f"no speech recogniser: {error}", file=sys.stderr)
        return 1
    if unknown and not args.json:
        print(f"({reason}; words the engine does not know: {', '.join(sorted(unknown))})")
    recogniser.answering = args.answer
    status = 0
    for name in args.files:
        try:
            pcm = read_wav_16k(Path(name))
        except UnreadableAudio as error:
            status = 1
            record: dict[str, object] = {"file": name, "error": str(error)}
            print(json.dumps(record) if args.json else f"{name}: ERROR {error}")
            continue
        decision = hear_utterance(recogniser, matcher, pcm)
        heard = decision.heard
        if args.answer:
            answer = heard_answer(decision)
            said = None if answer is None else ("yes" if answer else "no")
            record = {
                "file": name,
                "transcript": heard.transcript,
                "answer": said,
                "engine": heard.engine,
                "latency_ms": round(decision.latency_ms, 1),
            }
            line = f"{name}: heard {heard.transcript!r} -> answer {said}"
        else:
            record = {
                "file": name,
                "transcript": heard.transcript,
                "action": decision.action,
                "target": decision.target,
                "confidence": round(float(decision.score), 3),
                "engine": heard.engine,
                "latency_ms": round(decision.latency_ms, 1),
                "asks": decision.asks,
            }
            asks = f" (would ask: Did you mean {decision.asks}?)" if decision.asks else ""
            line = (
                f"{name}: heard {heard.transcript!r} -> {decision.action} {decision.target or ''}"
                f"{asks} ({decision.score:.2f}, {heard.engine}, {decision.latency_ms:.0f} ms)"
            )
        print(json.dumps(record, ensure_ascii=False) if args.json else line)
    return status


def _cmd_voices(args: argparse.Namespace) -> int:
    from kiosk.listen.models import ModelInstallError, install_model, list_models
    from kiosk.paths import MODELS_DIR, VOICES_DIR
    from kiosk.speech.profile import load_profile

    if args.action == "install":
        try:
            path = install_model(MODELS_DIR, Path(args.source) if args.source else None)
        except ModelInstallError as error:
            print(f"voice model not installed: {error}", file=sys.stderr)
            return 1
        print(f"installed {path}")
        return 0
    for profile_file in sorted(VOICES_DIR.glob("*.toml")):
        profile, problems = load_profile(profile_file)
        state = "ok" if not problems else f"{len(problems)} problems (built-in settings used)"
        print(
            f"profile {profile_file.name}: voice {profile.tts_voice}, {profile.rate_wpm} wpm, "
            f"recognisers {' then '.join(profile.recogniser.engine_order)}: {state}"
        )
    models = list_models(MODELS_DIR)
    if not models:
        print(
            f"no Vosk models in {MODELS_DIR} (PocketSphinx, built in, is used); "
            "install one with: python run_kiosk.py voices install [--from ZIP_OR_DIR]"
        )
    for model in models:
        print(
            f"model {model.name}: {'ok' if model.ok else 'NOT USABLE'}"
            f"{' - ' + model.problem if model.problem else ''}"
        )
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    import csv
    import sqlite3

    from kiosk.core.settings import load_settings
    from kiosk.core.usage import (
        EVENTS,
        FILE_NAME,
        OTHER_LABELS,
        VOICE_OUTCOME_LABELS,
        read_usage,
    )
    from kiosk.paths import config_dir, state_dir

    path = Path(args.file) if args.file else state_dir() / FILE_NAME
    if args.days < 1:
        print("--days must be 1 or more", file=sys.stderr)
        return 2
    try:
        summary = read_usage(path, args.days)
    except (sqlite3.Error, OSError) as error:
        print(f"the usage counts in {path} cannot be read: {error}", file=sys.stderr)
        return 1
    settings, _ = load_settings(config_dir() / "kiosk.toml")
    off = "" if settings.usage_counts else " (counting is turned off in kiosk.toml)"
    if summary.empty:
        where = "there is no usage file yet" if not path.exists() else "nothing in the file"
        print(
            f"No usage counted in the last {args.days} days{off}: {where} ({path}). Counts appear "
            "once patients use the kiosk (they are written every 15 seconds).",
            file=sys.stderr if (args.json or args.csv) else sys.stdout,
        )
        if not (args.json or args.csv):
            return 0
    rows = summary.rows()
    if args.csv:
        out = Path(args.csv)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["date", "event", "detail", "count"])
            writer.writerows(rows)
        print(f"saved {out} ({len(rows)} rows, {summary.first} to {summary.last})", file=sys.stderr)
    topics = summary.topic_opens()
    voice = {o: summary.total("voice", o) for o in VOICE_OUTCOME_LABELS}
    totals = {event: summary.total(event) for event in EVENTS}
    if args.json:
        record = {
            "file": str(path),
            "from": summary.first.isoformat(),
            "to": summary.last.isoformat(),
            "days": args.days,
            "topics": topics,
            "voice": voice,
            "totals": totals,
            "rows": [dict(zip(("date", "event", "detail", "count"), r, strict=True)) for r in rows],
        }
        print(json.dumps(record, indent=2))
        return 0
    if args.csv or summary.empty:
        return 0
    print(f"Use of the kiosk from {summary.first:%d %B %Y} to {summary.last:%d %B %Y}{off}")
    print("\nTopics opened (touch / voice / related link / emergency page):")
    for topic_id, hows in topics.items():
        ways = " / ".join(
            str(hows.get(h, 0)) for h in ("touch", "voice", "related", "emergency-panel")
        )
        print(f"  {topic_id:<28} {sum(hows.values()):>6}   ({ways})")
    print("\nSpoken requests:")
    for outcome, label in VOICE_OUTCOME_LABELS.items():
        print(f"  {label:<28} {voice[outcome]:>6}")
    print("\nOther:")
    for event, label in OTHER_LABELS.items():
        sizes = ""
        if event == "text-size" and totals[event]:
            chosen = sorted({d for (_, e, d) in summary.daily if e == event}, key=int)
            sizes = "   (" + ", ".join(f"{d}%: {summary.total(event, d)}" for d in chosen) + ")"
        print(f"  {label:<28} {totals[event]:>6}{sizes}")
    return 0


def _cmd_selftest(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from kiosk.paths import state_dir
    from kiosk.selftest import RESULT_FILE, run_selftest, save_result

    if not args.json:
        print("Testing: the speaker says a sentence while the microphone listens (about 5 s)...")
    result = run_selftest(content_dir=Path(args.content))
    try:
        save_result(result, state_dir() / RESULT_FILE)
    except OSError as error:
        result.notes.append(f"The result could not be kept for the staff screen: {error}.")
    if args.json:
        print(json.dumps(asdict(result), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0 if result.ok else 1


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 1920x1080") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError(f"{text!r} is outside 200x200 to 8000x8000")
    return width, height


def _parse_mm(text: str) -> tuple[float, float]:
    try:
        width, height = (float(v) for v in text.lower().removesuffix("mm").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 476x268") from None
    if not (50 <= width <= 3000 and 50 <= height <= 3000):
        raise argparse.ArgumentTypeError(f"{text!r} is outside 50x50 to 3000x3000 mm")
    return width, height


def _screenshot_panel(args: argparse.Namespace) -> object:
    from kiosk.core.display import PhysicalScreen, panel_for_size

    width_px, height_px = args.size
    distance = args.viewing_distance_mm or 0.0
    if args.screen_size_mm:
        width_mm, height_mm = args.screen_size_mm
        return PhysicalScreen.from_mm(width_px, height_px, width_mm, height_mm, distance)
    if args.screen_inches:
        return PhysicalScreen(args.screen_inches, width_px, height_px, distance)
    panel = panel_for_size(width_px, height_px)
    return PhysicalScreen(panel.diagonal_inches, width_px, height_px, distance)


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from kiosk.screenshot import take_screenshot

    panel = _screenshot_panel(args)
    print(f"panel: {panel.describe()}")  # type: ignore[attr-defined]
    try:
        out = take_screenshot(
            Path(args.content),
            Path(args.out),
            topic=args.topic,
            screen=args.screen,
            size=args.size,
            text_size=args.text_size,
            theme=args.theme,
            voice=args.voice,
            panel=panel,  # type: ignore[arg-type]
            usage=Path(args.usage) if args.usage else None,
            page=args.page - 1,
        )
    except (ValueError, RuntimeError, OSError) as error:
        print(f"screenshot failed: {error}", file=sys.stderr)
        return 1
    print(f"saved {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="run_kiosk.py",
        description=(
            "Clinic voice-and-touch information kiosk. With no sub-command, starts the kiosk."
        ),
    )
    parser.add_argument("--content", default=str(CONTENT_DIR), help="content folder to show")
    parser.add_argument(
        "--windowed",
        action="store_true",
        help="run in a normal window (for trying it on a desktop)",
    )
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="SUB-COMMAND")

    check = sub.add_parser("check", help="check the content files and say exactly what is wrong")
    check.add_argument("content_dir", nargs="?", default=str(CONTENT_DIR), metavar="CONTENT_DIR")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--profile", help="voice profile to check too (default: voices/en.toml)")
    check.set_defaults(func=_cmd_check)

    bench = sub.add_parser("bench", help="measure speed and memory (medians)")
    bench.add_argument("suites", nargs="*", metavar="SUITE", help="suites to run (default: all)")
    bench.add_argument("--json", action="store_true", help="print one JSON object of figures")
    bench.set_defaults(func=_cmd_bench)

    pin = sub.add_parser("set-pin", help="set the staff PIN (stored salted and hashed)")
    pin.add_argument("--file", help="settings file (default: the kiosk's settings folder)")
    pin.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN twice from standard input"
    )
    pin.set_defaults(func=_cmd_set_pin)

    say = sub.add_parser(
        "say", help="render text or a topic with the kiosk's voice and lexicon to a WAV file"
    )
    say.add_argument("text", nargs="?", help="the text to say")
    say.add_argument("--topic", help="say a topic's title and page instead")
    say.add_argument("--rate", type=int, help="words a minute (default: the voice profile's)")
    say.add_argument("--profile", help="voice profile (default: voices/en.toml)")
    say.add_argument("--out", required=True, metavar="FILE.wav")
    say.set_defaults(func=_cmd_say)

    hear = sub.add_parser(
        "hear", help="recognise spoken requests in WAV files with the kiosk's recogniser"
    )
    hear.add_argument("files", nargs="+", metavar="FILE.wav")
    hear.add_argument("--content", dest="content_dir", default=str(CONTENT_DIR))
    hear.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), default="auto")
    hear.add_argument("--json", action="store_true", help="one JSON object per line")
    hear.add_argument(
        "--answer",
        action="store_true",
        help='hear each file as the yes or no to a "Did you mean ...?" question',
    )
    hear.set_defaults(func=_cmd_hear)

    voices = sub.add_parser("voices", help="voice profiles and speech-recognition models")
    voices.add_argument("action", choices=("list", "install"))
    voices.add_argument(
        "--from",
        dest="source",
        metavar="ZIP_OR_DIR",
        help="install from a local zip or folder (offline clinics)",
    )
    voices.set_defaults(func=_cmd_voices)

    selftest = sub.add_parser(
        "selftest", help="sound and voice self-test: speaker and microphone, with a verdict"
    )
    selftest.add_argument("--json", action="store_true", help="print the result as JSON")
    selftest.set_defaults(func=_cmd_selftest)

    stats = sub.add_parser("stats", help="usage counts per day, for a spreadsheet")
    stats.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    stats.add_argument("--csv", metavar="FILE", help="write date,event,detail,count rows")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.add_argument("--file", help="usage file (default: usage.sqlite3 in the state folder)")
    stats.set_defaults(func=_cmd_stats)

    from kiosk.core.session import TEXT_SCALES, THEMES
    from kiosk.screenshot import SCREENS

    shot = sub.add_parser("screenshot", help="render a screen offscreen to a PNG file")
    shot.add_argument("--topic", help="a topic id to show")
    shot.add_argument("--screen", choices=SCREENS, default="home")
    shot.add_argument("--size", type=_parse_size, default=(1920, 1080), metavar="WxH")
    shot.add_argument(
        "--screen-size-mm",
        type=_parse_mm,
        metavar="WxH",
        help="the panel's visible width and height in millimetres (default: the supported "
        "screen with this pixel size, else the 21.5-inch 1920x1080 panel's pixel size)",
    )
    shot.add_argument(
        "--screen-inches", type=float, metavar="DIAGONAL", help="the panel's diagonal in inches"
    )
    shot.add_argument(
        "--viewing-distance-mm",
        type=float,
        metavar="MM",
        help="how far patients read from (default: 350 under 13 inches, else 500)",
    )
    shot.add_argument("--text-size", type=int, choices=TEXT_SCALES, default=100, metavar="PCT")
    shot.add_argument("--theme", choices=THEMES, default="standard")
    shot.add_argument("--out", required=True, metavar="FILE.png")
    shot.add_argument(
        "--voice",
        choices=("listening", "question", "message"),
        help="show the Ask by voice overlay in this state",
    )
    shot.add_argument(
        "--usage", metavar="FILE", help="usage counts file to show on the use screen (not changed)"
    )
    shot.add_argument("--page", type=int, default=1, help="show this page (1 the first)")
    shot.set_defaults(func=_cmd_screenshot)
    return parser


def main(argv: Sequence[str] | None = None, *, program: bool = False) -> int:
    """Parse the command line and run the sub-command; returns the exit status. ``program``:
    called as the program (``run_kiosk.py``), which may start itself again with the kiosk's
    memory allocator before the kiosk or a benchmark runs
    (:func:`kiosk.services.memory.use_kiosk_allocator`)."""
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", _cmd_run)
    if program and func in (_cmd_run, _cmd_bench):
        from kiosk.services.memory import use_kiosk_allocator

        use_kiosk_allocator()
    return int(func(args))
