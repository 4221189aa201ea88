"""Load and validate a content folder. The kiosk and the staff checker both call ``load_content``.

The result is all or nothing: a complete valid ``ContentSet``, or no content set and the full
list of problems (every file is read; nothing stops at the first problem). Warnings never stop a
load. The caller that holds valid content keeps it when a later load fails (see ``store``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from kiosk.content.markdown import Document, parse_markdown
from kiosk.content.model import (
    ContentSet,
    EmergencyPanel,
    PhoneNumber,
    ReviewDate,
    Site,
    Source,
    Topic,
    Urgency,
)
from kiosk.content.problems import REVIEW_OVERDUE, Problem, Severity, display_path, shorten
from kiosk.content.readability import reading_age
from kiosk.content.schema import INVALID, SITE, TOPIC
from kiosk.content.yamltree import YMap, parse_yaml

MAX_FILE_BYTES = 250_000
"""Topic files are a few KB; past this a file is refused before it is parsed (a time bound)."""
MAX_PROBLEMS_PER_FILE = 40
MIN_PHRASES = 3
MAX_READING_AGE = 14.0
SITE_FILE = "site.yaml"
HELP_FILE = "help.md"
"""The Help screen's text (Markdown, no fields): staff edit it like a topic's text."""
KEY_LIST_MARK = "{keys}"
"""A line of the help file holding only this is where the kiosk lists its keys (from its key
table, which staff do not edit)."""
# C0 and C1 control characters other than tab and line ends: binary junk, never text.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TOPIC_SUFFIX = ".md"


@dataclass(frozen=True)
class ContentLoad:
    """What one load found. ``content`` is None exactly when there are errors."""

    language: str
    folder: Path
    content: ContentSet | None
    topics: tuple[Topic, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """True when the content set is complete and valid."""
        return self.content is not None


@dataclass
class _FileProblems:
    """Problems of one file, each with a file line."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    shown_path: str = ""

    def __post_init__(self) -> None:
        self.shown_path = display_path(self.path)

    def error(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(
            Problem(self.shown_path, line, shorten(field_name), shorten(message, 400))
        )

    def warning(self, line: int, field_name: str, message: str, code: str = "") -> None:
        self.problems.append(
            Problem(
                self.shown_path,
                line,
                shorten(field_name),
                shorten(message, 400),
                Severity.WARNING,
                code,
            )
        )

    def capped(self) -> list[Problem]:
        """The first problems, then one saying how many more: a file of junk can hold thousands,
        and the staff screen and the log must stay readable."""
        if len(self.problems) <= MAX_PROBLEMS_PER_FILE:
            return self.problems
        kept, rest = self.problems[:MAX_PROBLEMS_PER_FILE], self.problems[MAX_PROBLEMS_PER_FILE:]
        severity = (
            Severity.ERROR if any(p.severity is Severity.ERROR for p in rest) else Severity.WARNING
        )
        more = Problem(
            self.shown_path,
            0,
            "",
            f"and {len(rest)} more problems in this file (not listed); fix the ones above first",
            severity,
        )
        return [*kept, more]

    def offset(self, first_line: int) -> Callable[[int, str, str], None]:
        """A reporter for text that starts at ``first_line`` of this file (1-based)."""
        return lambda line, name, message: self.error(line + first_line - 1, name, message)


def language_folder(root: Path, language: str) -> Path:
    """``content/en`` when it exists, else ``root`` itself (a flat folder of one language)."""
    candidate = root / language
    return candidate if candidate.is_dir() else root


def language_folders(root: Path) -> list[tuple[str, Path]]:
    """Every language folder under a content root, or the root itself when it is flat."""
    try:
        children = sorted(root.iterdir())
    except OSError:  # missing or removed meanwhile: load_content says what is wrong with it
        children = []
    found = [
        (child.name, child)
        for child in children
        if child.is_dir() and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", child.name)
    ]
    return found or [("en", root)]


def _ignored(name: str) -> bool:
    # Editors leave these behind while saving; they are not content.
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))


def read_text(path: Path, root: Path, out: _FileProblems) -> str | None:
    """The file as text, or None after reporting why it cannot be used.

    Never blocks and never raises: a link out of the content folder, a pipe or device, a file
    removed or replaced while it is read, or a file that is not UTF-8 text is a problem for staff.
    """
    try:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(os.path.realpath(root)):
            out.error(
                0,
                "",
                f"this is a link to {real}, outside the content folder; the kiosk does not follow "
                "it: copy the file into the content folder instead",
            )
            return None
        # O_NONBLOCK: opening a pipe (or a file that was just replaced by one) must not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                what = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, device or socket"
                out.error(0, "", f"this is {what}, not a text file; remove it")
                return None
            size = info.st_size
            with os.fdopen(fd, "rb", closefd=False) as stream:
                data = stream.read(MAX_FILE_BYTES + 1)  # the file may grow while it is read
        finally:
            os.close(fd)
    except FileNotFoundError:
        if os.path.islink(path):
            out.error(0, "", f"this is a link to {os.readlink(path)}, which does not exist")
        else:
            out.error(
                0,
                "",
                "the file was removed or renamed while it was being read (an edit in "
                "progress?); save it again",
            )
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            out.error(0, "", "this is a link that leads back to itself; replace it with the file")
        else:
            out.error(0, "", f"the file cannot be read ({error.strerror or error})")
        return None
    if len(data) > MAX_FILE_BYTES:
        out.error(
            0,
            "",
            f"the file is {max(size, len(data)):,} bytes; expected at most {MAX_FILE_BYTES:,} "
            "(250 KB; a topic page is usually under 10 KB)",
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        out.error(
            line,
            "",
            "the file is not saved as UTF-8 text (byte "
            f"0x{data[error.start]:02x} cannot be read); save it as UTF-8 in your editor",
        )
        return None
    if "\x00" in text:
        out.error(text[: text.index("\x00")].count("\n") + 1, "", "the file contains binary data")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL.search(text)
    if control:
        out.error(
            text.count("\n", 0, control.start()) + 1,
            "",
            f"the file contains a control character (U+{ord(control.group()):04X}), not text: "
            "was something pasted in from another program? Delete it",
        )
        return None
    return text


def _front_matter(text: str, out: _FileProblems) -> tuple[str, int, str, int] | None:
    """Split into (yaml, yaml's first file line, body, body's first file line)."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        out.error(1, "", "the file must start with a line of three dashes (---) and the fields")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), 2, "\n".join(lines[index + 1 :]), index + 2
    out.error(1, "", "the fields are not closed: add a line of three dashes (---) after them")
    return None


def _read_topic(path: Path, root: Path, today: dt.date) -> tuple[Topic | None, _FileProblems]:
    out = _FileProblems(path)
    text = read_text(path, root, out)
    if text is None:
        return None, out
    if not text.strip():
        out.error(0, "", "the file is empty; expected the fields between --- lines, then the text")
        return None, out
    parts = _front_matter(text, out)
    if parts is None:
        return None, out
    yaml_text, yaml_line, body_text, body_line = parts
    parsed = parse_yaml(yaml_text)
    for issue in parsed.issues:
        out.error(issue.line + yaml_line - 1, "", issue.message)
    values: Any = INVALID
    if parsed.root is None and not parsed.issues:
        out.error(yaml_line, "", "the fields are missing between the --- lines")
    elif parsed.root is not None:
        values = TOPIC.read(parsed.root, "", out.offset(yaml_line))

    document, md_issues = parse_markdown(body_text)
    for md in md_issues:
        out.error(md.line + body_line - 1, "body", md.message)
    if not body_text.strip():
        out.error(body_line - 1, "body", "the page has no text; write it below the closing ---")

    if values is INVALID or any(v is INVALID for v in values.values()) or out.problems:
        return None, out
    assert isinstance(parsed.root, YMap)
    lines = {key: line + yaml_line - 1 for key, line in parsed.root.key_lines.items()}
    topic = _build_topic(values, document, path, lines)
    _topic_warnings(topic, today, out)
    return topic, out


def _build_topic(
    values: dict[str, Any], document: Document, path: Path, lines: dict[str, int]
) -> Topic:
    source = cast(dict[str, str], values["source"])
    return Topic(
        id=values["id"],
        title=values["title"],
        summary=values["summary"],
        order=values["order"],
        urgency=Urgency(values["urgency"]),
        phrases=values["phrases"],
        related=values["related"],
        last_reviewed=values["last_reviewed"],
        next_review=values["next_review"],
        source=Source(source["title"], source["publisher"], source["reference"]),
        body=document,
        file=path,
        reading_age=reading_age(document.texts()),
        lines=lines,
    )


def _topic_warnings(topic: Topic, today: dt.date, out: _FileProblems) -> None:
    line = topic.line_of
    if topic.next_review.last_day() < topic.last_reviewed.first_day():
        out.error(
            line("next_review"),
            "next_review",
            f"next_review is {topic.next_review.words()}, before last_reviewed "
            f"({topic.last_reviewed.words()}); expected a later date",
        )
    if topic.review_overdue(today):
        out.warning(
            line("next_review"),
            "next_review",
            f"review overdue: the next review was due by {topic.next_review.words()} "
            f"(last reviewed {topic.last_reviewed.words()}); check the page is still right",
            REVIEW_OVERDUE,
        )
    if len(topic.phrases) < MIN_PHRASES:
        out.warning(
            line("phrases"),
            "phrases",
            f"phrases has {len(topic.phrases)}; expected at least {MIN_PHRASES} ways a patient "
            "may ask for this topic aloud",
        )
    if topic.reading_age is not None and topic.reading_age > MAX_READING_AGE:
        out.warning(
            0,
            "body",
            f"reading age is {topic.reading_age:g} years; aim for 9 to 11, at most "
            f"{MAX_READING_AGE:g} (Flesch–Kincaid grade + 5): use shorter sentences and words",
        )
    if topic.id in topic.related:
        out.error(line("related"), "related", f'related lists this topic itself ("{topic.id}")')
    if topic.file.stem != topic.id:
        out.warning(
            line("id"),
            "id",
            f'id is "{topic.id}" but the file is called {topic.file.name}; '
            f"name it {topic.id}.md so staff can find it",
        )


def _read_site(path: Path, root: Path) -> tuple[Site | None, _FileProblems]:
    out = _FileProblems(path)
    if not path.exists():
        out.error(
            0,
            "",
            "the site file is missing; it holds the clinic name, the helpline and the "
            "emergency panel (copy it from a backup or from the kiosk's repository)",
        )
        return None, out
    text = read_text(path, root, out)
    if text is None:
        return None, out
    parsed = parse_yaml(text)
    for issue in parsed.issues:
        out.error(issue.line, "", issue.message)
    if parsed.root is None:
        if not parsed.issues:
            out.error(0, "", "the site file is empty; expected clinic_name, helpline and emergency")
        return None, out
    values: Any = SITE.read(parsed.root, "", out.offset(1))
    if values is INVALID or any(v is INVALID for v in values.values()) or out.problems:
        return None, out
    helpline = values["helpline"]
    emergency = values["emergency"]
    site = Site(
        clinic_name=values["clinic_name"],
        helpline=PhoneNumber(helpline["label"], helpline["number"]),
        emergency=EmergencyPanel(
            heading=emergency["heading"],
            symptoms=emergency["symptoms"],
            action=emergency["action"],
            phone_numbers=tuple(
                PhoneNumber(entry["label"], entry["number"]) for entry in emergency["phone_numbers"]
            ),
        ),
        file=path,
    )
    return site, out


def _normalise_phrase(phrase: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", phrase.lower().replace("’", "'")).split())


def _sharing(topics: list[Topic], keys: Callable[[Topic], list[str]]) -> dict[str, list[Topic]]:
    """Group topics by each key they have, keeping only keys that more than one topic has."""
    groups: dict[str, list[Topic]] = {}
    for topic in topics:
        for key in dict.fromkeys(keys(topic)):
            groups.setdefault(key, []).append(topic)
    return {key: group for key, group in groups.items() if len(group) > 1}


def _cross_checks(topics: list[Topic], problems: list[Problem]) -> None:
    for topic_id, group in _sharing(topics, lambda t: [t.id]).items():
        for topic in group:
            names = ", ".join(display_path(t.file) for t in group if t is not topic)
            problems.append(
                Problem(
                    display_path(topic.file),
                    topic.line_of("id"),
                    "id",
                    f'id "{topic_id}" is already used by {names}; '
                    "expected every topic to have its own id",
                )
            )
    for phrase, group in _sharing(
        topics, lambda t: [_normalise_phrase(p) for p in t.phrases]
    ).items():
        for topic in group:
            names = ", ".join(f'"{t.id}"' for t in group if t is not topic)
            problems.append(
                Problem(
                    display_path(topic.file),
                    topic.line_of("phrases"),
                    "phrases",
                    f'the phrase "{phrase}" is also used by topic {names}; a spoken request '
                    "cannot tell them apart",
                    Severity.WARNING,
                )
            )
    ids = {t.id for t in topics}
    for topic in topics:
        for related in topic.related:
            if related not in ids:
                problems.append(
                    Problem(
                        display_path(topic.file),
                        topic.line_of("related"),
                        "related",
                        f'related is "{related}"; expected the id of an existing topic '
                        f"({', '.join(sorted(ids)) or 'none yet'})",
                    )
                )


def load_content(
    root: Path | str, language: str = "en", today: dt.date | None = None
) -> ContentLoad:
    """Load and validate one language of a content folder, collecting every problem."""
    root = Path(root)
    today = today or dt.date.today()
    folder = language_folder(root, language)
    problems: list[Problem] = []
    topics: list[Topic] = []
    if not folder.is_dir():
        problems.append(
            Problem(
                display_path(folder), 0, "", "the content folder does not exist or is not a folder"
            )
        )
        return _result(language, folder, None, topics, problems)

    try:
        listing = sorted(folder.iterdir())
    except OSError as error:  # removed or replaced between the check above and the listing
        problems.append(
            Problem(
                display_path(folder),
                0,
                "",
                f"the content folder cannot be read ({error.strerror or error}); "
                "if it is being replaced, wait a moment and reload",
            )
        )
        return _result(language, folder, None, topics, problems)
    for path in listing:
        name = path.name
        if _ignored(name) or name in (SITE_FILE, HELP_FILE):
            continue
        if path.suffix == TOPIC_SUFFIX and not path.is_dir():
            topic, out = _read_topic(path, root, today)
            problems.extend(out.capped())
            if topic is not None:
                topics.append(topic)
        else:
            hint = " (the site file must be called site.yaml)" if name == "site.yml" else ""
            problems.append(
                Problem(
                    display_path(path),
                    0,
                    "",
                    f"ignored: not a topic (.md) file or the site file{hint}",
                    Severity.WARNING,
                )
            )
    site, site_out = _read_site(folder / SITE_FILE, root)
    problems.extend(site_out.capped())
    help_text, help_out = _read_help(folder / HELP_FILE, root)
    problems.extend(help_out.capped())
    if not topics and not any(
        p.severity is Severity.ERROR and p.file.endswith(TOPIC_SUFFIX) for p in problems
    ):
        problems.append(
            Problem(display_path(folder), 0, "", "there are no topic files (.md) in this folder")
        )
    _cross_checks(topics, problems)
    topics.sort(key=lambda t: (t.order, t.title.lower(), t.id))
    return _result(language, folder, site, topics, problems, help_text)


def _read_help(path: Path, root: Path) -> tuple[str | None, _FileProblems]:
    """The help file's Markdown, or None (the Help screen then shows its short built-in text).

    Every problem here is a warning: a bad edit of the help text never stops the topics loading.
    """
    out = _FileProblems(path)
    fallback = "; the Help screen shows a short built-in text until it is fixed"
    if not path.exists():
        out.warning(0, "", f"the help file is missing{fallback} (copy it from a backup)")
        return None, out
    text = read_text(path, root, out)
    if text is not None and not text.strip():
        out.warning(0, "", f"the help file is empty{fallback}")
        text = None
    if text is None:
        out.problems = [
            dataclasses.replace(p, severity=Severity.WARNING, message=p.message + fallback)
            if p.severity is Severity.ERROR
            else p
            for p in out.problems
        ]
        return None, out
    if not any(_is_key_list_mark(line) for line in text.splitlines()):
        out.warning(
            0,
            "",
            f"no line holds just {KEY_LIST_MARK}, where the list of keys goes; the kiosk adds "
            "the list at the end",
        )
    # Checked as shown, with the mark as the list it stands for (a list item), so it never
    # reads as a stray paragraph; the file's own lines keep their numbers.
    document, md_issues = parse_markdown(with_key_list(text, "- key"))
    for md in md_issues:
        out.warning(md.line, "", md.message)
    own_lines = len(text.splitlines())  # (not the key list the kiosk adds at the end)
    if not any(block.line <= own_lines for block in document.blocks):
        out.warning(0, "", f"the help file has no text{fallback}")
        return None, out
    return text, out


def _is_key_list_mark(line: str) -> bool:
    return line.strip() == KEY_LIST_MARK


def with_key_list(text: str, key_list: str) -> str:
    """The help text with ``key_list`` (Markdown) on the line that holds just the mark, or under
    a "Using keys" heading at the end where no line does."""
    lines = text.splitlines()
    if not any(_is_key_list_mark(line) for line in lines):
        lines += ["", "## Using keys", "", KEY_LIST_MARK]
    return "\n".join(key_list if _is_key_list_mark(line) else line for line in lines) + "\n"


def _result(
    language: str,
    folder: Path,
    site: Site | None,
    topics: list[Topic],
    problems: list[Problem],
    help_text: str | None = None,
) -> ContentLoad:
    errors = tuple(p for p in problems if p.severity is Severity.ERROR)
    warnings = tuple(p for p in problems if p.severity is Severity.WARNING)
    content = None
    if not errors and site is not None:
        content = ContentSet(language, site, tuple(topics), folder, help_text)
    return ContentLoad(language, folder, content, tuple(topics), errors, warnings)


__all__ = [
    "HELP_FILE",
    "KEY_LIST_MARK",
    "ContentLoad",
    "ReviewDate",
    "language_folder",
    "language_folders",
    "load_content",
    "with_key_list",
]
