"""The content the kiosk shows: a validated, immutable set of topics plus the site file."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.content.markdown import Document


class Urgency(enum.Enum):
    """How urgent a topic is; shown by words and an icon, never by colour alone."""

    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


@dataclass(frozen=True, order=True)
class ReviewDate:
    """A review date as staff wrote it: a year, a month or a day."""

    year: int
    month: int | None = None
    day: int | None = None

    def first_day(self) -> dt.date:
        """The first day the date covers."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The last day the date covers ("2017" runs to 31 December 2017)."""
        if self.day is not None and self.month is not None:
            return dt.date(self.year, self.month, self.day)
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def words(self) -> str:
        """How the kiosk shows it: "April 2015", "2017", "3 April 2015"."""
        if self.month is None:
            return str(self.year)
        month = calendar.month_name[self.month]
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"


@dataclass(frozen=True)
class Source:
    """Where a topic's information comes from (NHS Information Standard 2.b)."""

    title: str
    publisher: str
    reference: str


@dataclass(frozen=True)
class Topic:
    """One topic page."""

    id: str
    title: str
    summary: str
    order: int
    urgency: Urgency
    phrases: tuple[str, ...]
    related: tuple[str, ...]
    last_reviewed: ReviewDate
    next_review: ReviewDate
    source: Source
    body: Document
    file: Path
    reading_age: float | None = None
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """The file line of each front-matter field, for staff messages."""

    def line_of(self, name: str) -> int:
        """The file line where a field was written (0 when unknown)."""
        return self.lines.get(name, 0)

    def review_overdue(self, today: dt.date) -> bool:
        """True once the whole of the planned review period has passed."""
        return today > self.next_review.last_day()


@dataclass(frozen=True)
class PhoneNumber:
    """A labelled phone number staff fill in (e.g. the clinic's own triage line)."""

    label: str
    number: str


@dataclass(frozen=True)
class EmergencyPanel:
    """The panel shown on every screen."""

    heading: str
    symptoms: tuple[str, ...]
    action: str
    phone_numbers: tuple[PhoneNumber, ...] = ()


@dataclass(frozen=True)
class Site:
    """The site file: who runs the kiosk and the emergency panel."""

    clinic_name: str
    helpline: PhoneNumber
    emergency: EmergencyPanel
    file: Path


@dataclass(frozen=True)
class ContentSet:
    """A complete, valid set of content for one language."""

    language: str
    site: Site
    topics: tuple[Topic, ...]
    folder: Path
    help_markdown: str | None = None
    """The help file's text (None: missing or unusable, and the kiosk's short text is shown)."""
    by_id: dict[str, Topic] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {topic.id: topic for topic in self.topics})

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, if it exists."""
        return self.by_id.get(topic_id)
