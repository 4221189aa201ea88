"""The content schema, declared once. The loader, the checker and the staff docs all read it.

Each field says what it expects in plain words; reading a value either returns it or reports
``<field> is "<found>"; expected <what>`` at the value's line and returns ``INVALID``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from kiosk.content.markdown import html_in
from kiosk.content.model import ReviewDate, Urgency
from kiosk.content.problems import shorten
from kiosk.content.yamltree import YList, YMap, YNode, YScalar


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()

Report = Callable[[int, str, str], None]
"""``report(line, field, message)`` records an error."""


def describe(node: YNode) -> str:
    """How a found value is quoted back to staff."""
    if isinstance(node, YList):
        return "a list"
    if isinstance(node, YMap):
        return "a group of fields"
    if node.is_null:
        return "empty"
    text = node.value if len(node.value) <= 60 else node.value[:57] + "..."
    return f'"{text}"'


def _found(name: str, node: YNode, expected: str) -> str:
    return f"{name} is {describe(node)}; expected {expected}"


class FieldType:
    """How one kind of value is read and what staff are told it should be."""

    expected: str = "a value"

    def read(self, node: YNode, name: str, report: Report) -> object:
        """The value, or INVALID after reporting why."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(FieldType):
    """A line (or, with ``multiline``, a paragraph) of plain text."""

    expected: str = "a short line of plain text"
    max_length: int = 200
    pattern: re.Pattern[str] | None = None

    def read(self, node: YNode, name: str, report: Report) -> object:
        if not isinstance(node, YScalar) or node.is_null or not node.value.strip():
            report(node.line, name, _found(name, node, self.expected))
            return INVALID
        value = " ".join(node.value.split())
        if len(value) > self.max_length:
            report(
                node.line,
                name,
                f"{name} is {len(value)} characters long; expected at most {self.max_length}",
            )
            return INVALID
        html = html_in(value)
        if html:
            report(node.line, name, f'{name} contains HTML ("{html}"); write plain text')
            return INVALID
        if self.pattern is not None and not self.pattern.fullmatch(value):
            report(node.line, name, _found(name, node, self.expected))
            return INVALID
        return value


@dataclass(frozen=True)
class WholeNumber(FieldType):
    """A whole number in a range."""

    low: int = 1
    high: int = 100_000
    expected: str = ""

    def read(self, node: YNode, name: str, report: Report) -> object:
        expected = self.expected or f"a whole number from {self.low} to {self.high}"
        if isinstance(node, YScalar) and node.plain and re.fullmatch(r"[-+]?\d{1,9}", node.value):
            number = int(node.value)
            if self.low <= number <= self.high:
                return number
        report(node.line, name, _found(name, node, expected))
        return INVALID


@dataclass(frozen=True)
class OneOf(FieldType):
    """One word from a fixed list."""

    choices: tuple[str, ...] = ()

    def read(self, node: YNode, name: str, report: Report) -> object:
        if isinstance(node, YScalar) and node.value.strip() in self.choices:
            return node.value.strip()
        report(node.line, name, _found(name, node, "one of: " + ", ".join(self.choices)))
        return INVALID


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})


def parse_review_date(text: str) -> ReviewDate | None:
    """``2017``, ``2015-04``, ``2015-04-30``, ``April 2015`` or ``30 April 2015``; else None."""
    text = text.strip()
    try:
        iso = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
        if iso:
            year, month, day = (int(g) if g else None for g in iso.groups())
            assert year is not None
            dt.date(year, month or 1, day or 1)  # raises ValueError for 2015-13 or 2015-02-30
            return ReviewDate(year, month, day)
        words = re.fullmatch(r"(?:(\d{1,2})\s+)?([A-Za-z]+)\.?\s+(\d{4})", text)
        if words and words.group(2).lower() in _MONTHS:
            day = int(words.group(1)) if words.group(1) else None
            month, year = _MONTHS[words.group(2).lower()], int(words.group(3))
            dt.date(year, month, day or 1)
            return ReviewDate(year, month, day)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class Day(FieldType):
    """A review date."""

    expected: str = "a date such as 2017, 2015-04, 2015-04-30 or April 2015"

    def read(self, node: YNode, name: str, report: Report) -> object:
        date = parse_review_date(node.value) if isinstance(node, YScalar) else None
        if date is None or not 1900 <= date.year <= 2200:
            report(node.line, name, _found(name, node, self.expected))
            return INVALID
        return date


@dataclass(frozen=True)
class ListOf(FieldType):
    """A list of values of one type."""

    item: FieldType = Text()
    min_items: int = 0
    max_items: int = 500
    expected: str = "a list"

    def read(self, node: YNode, name: str, report: Report) -> object:
        if isinstance(node, YScalar) and node.is_null:
            node = YList([], node.line)
        if not isinstance(node, YList):
            report(
                node.line,
                name,
                _found(name, node, f"{self.expected}, one item per line starting with - "),
            )
            return INVALID
        if len(node.items) < self.min_items:
            count = len(node.items) or "no"
            report(
                node.line,
                name,
                f"{name} has {count} items; expected at least {self.min_items}",
            )
            return INVALID
        if len(node.items) > self.max_items:
            report(
                node.line,
                name,
                f"{name} has {len(node.items)} items; expected at most {self.max_items}",
            )
            return INVALID
        values = [self.item.read(item, f"{name} item", report) for item in node.items]
        return INVALID if any(v is INVALID for v in values) else tuple(values)


@dataclass(frozen=True)
class Field:
    """One declared field."""

    name: str
    type: FieldType
    description: str
    required: bool = True
    default: object = None


@dataclass(frozen=True)
class Group(FieldType):
    """A set of named fields (the front matter itself, ``source``, ``emergency``...)."""

    fields: tuple[Field, ...] = ()
    expected: str = "a group of fields"

    def read(self, node: YNode, name: str, report: Report) -> object:
        prefix = f"{name}." if name else ""
        if not isinstance(node, YMap):
            label = name or "the front matter"
            report(node.line, name, f"{label} is {describe(node)}; expected {self.expected}")
            return INVALID
        known = {f.name: f for f in self.fields}
        values: dict[str, object] = {}
        unknown = 0
        for key, line in node.key_lines.items():
            if key not in known:
                unknown += 1
                # A hint for a typo or two; thousands of junk keys must stay quick to report.
                close = difflib.get_close_matches(key[:100], known, n=1) if unknown <= 20 else []
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                report(
                    line,
                    prefix + shorten(key),
                    f'unknown field "{prefix}{shorten(key)}"{hint}; the fields are: '
                    + ", ".join(known),
                )
        for spec in self.fields:
            if spec.name in node.entries:
                values[spec.name] = spec.type.read(
                    node.entries[spec.name], prefix + spec.name, report
                )
            elif spec.required:
                report(
                    node.line,
                    prefix + spec.name,
                    f"{prefix}{spec.name} is missing; expected {spec.description}",
                )
                values[spec.name] = INVALID
            else:
                values[spec.name] = spec.default
        return values


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{2,24}[0-9]")

TOPIC_ID = Text(expected="lower-case letters, digits and dashes, e.g. bone-pain", pattern=SLUG)

SOURCE = Group(
    fields=(
        Field("title", Text(), "the title of the source publication"),
        Field("publisher", Text(), "who published the source"),
        Field("reference", Text(max_length=500), "where to find the source (web address or file)"),
    )
)

PHRASE = Text(
    expected=(
        "a short phrase in words only (letters, spaces, apostrophes and ? ! , . only; "
        "write numbers as words)"
    ),
    max_length=120,
    pattern=re.compile(r"[A-Za-z][A-Za-z' ’,.?!-]*"),
)

TOPIC = Group(
    fields=(
        Field("id", TOPIC_ID, "a short name for the topic, e.g. bone-pain"),
        Field("title", Text(max_length=80), "the title shown on the button and page"),
        Field("summary", Text(max_length=200), "one plain sentence about the topic"),
        Field("order", WholeNumber(1, 100_000), "a whole number: where the topic sits on Home"),
        Field(
            "urgency",
            OneOf(choices=tuple(u.value for u in Urgency)),
            "one of: " + ", ".join(u.value for u in Urgency),
        ),
        Field(
            "phrases",
            ListOf(PHRASE, min_items=1, expected="a list of things patients may say"),
            "a list of at least 3 ways a patient may ask for the topic aloud",
        ),
        Field(
            "related",
            ListOf(TOPIC_ID, expected="a list of topic ids"),
            "a list of related topic ids",
            required=False,
            default=(),
        ),
        Field("last_reviewed", Day(), "when the information was last reviewed, e.g. 2015-04"),
        Field("next_review", Day(), "when the next review is due, e.g. 2017"),
        Field("source", SOURCE, "the source: title, publisher and reference"),
    )
)

PHONE_ENTRY = Group(
    fields=(
        Field("label", Text(max_length=80), "what the number is for"),
        Field(
            "number",
            Text(expected="a phone number such as 0808 800 6000", pattern=PHONE, max_length=30),
            "a phone number such as 0808 800 6000",
        ),
    )
)

EMERGENCY = Group(
    fields=(
        Field("heading", Text(max_length=80), "the heading of the emergency panel"),
        Field(
            "symptoms",
            ListOf(Text(max_length=160), min_items=1, expected="a list of symptoms"),
            "the list of emergency symptoms (at least one)",
        ),
        Field("action", Text(max_length=300), "what to do if you have any of them"),
        Field(
            "phone_numbers",
            ListOf(PHONE_ENTRY, expected="a list of labelled phone numbers"),
            "local phone numbers (optional)",
            required=False,
            default=(),
        ),
    )
)

SITE = Group(
    fields=(
        Field("clinic_name", Text(max_length=80), "the clinic's name, shown at the top"),
        Field("helpline", PHONE_ENTRY, "the helpline: label and number"),
        Field("emergency", EMERGENCY, "the emergency panel: heading, symptoms and action"),
    )
)
