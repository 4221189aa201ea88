"""What Read aloud reads on each page that can be read, built from the content model (not taken
back from the widgets that show it).

A :class:`ReadingDocument` is the page's title, its band (an urgency in words; "" when there is
none) and the text of each block the page shows, in reading order. Its ``units`` are what the
sentences are found in; a sentence is highlighted on the page by its unit's index (0 the title,
1 the band, :data:`FIRST_BLOCK` onwards the page's blocks), so the screens show their blocks in
the same order, with the same words (they use the words here: ``topic_band``, ``review_line``...).

Pure: no Qt, no speech engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.content.markdown import BulletList, Document, Heading, Inline, Paragraph
from kiosk.content.model import ContentSet, PhoneNumber, Topic, Urgency

FIRST_BLOCK = 2
"""The unit index of a page's first block (after the title and the band)."""

RELATED_HEADING = "Related topics"
EMERGENCY_BAND = "EMERGENCY"
EMERGENCY_INTRO = "Get help if you have any of these:"
HELP_TITLE = "How to use this kiosk"


@dataclass(frozen=True)
class ReadingDocument:
    """A page as Read aloud reads it: title, band, then each block's text in reading order."""

    title: str
    band: str
    blocks: tuple[str, ...]

    @property
    def units(self) -> tuple[str, ...]:
        """The title, the band and the blocks: what sentences are found in, in order."""
        return (self.title, self.band, *self.blocks)


def plain(spans: Inline) -> str:
    """The words of inline text, without its bold and emphasis."""
    return "".join(span.text for span in spans)


def document_texts(document: Document) -> list[str]:
    """Each heading, paragraph and bullet item of ``document``, in order (one block each on the
    page)."""
    texts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading | Paragraph):
            texts.append(plain(block.spans))
        elif isinstance(block, BulletList):
            texts += [plain(item) for item in block.items]
    return texts


def topic_band(topic: Topic) -> str:
    """The band under a topic's title: its urgency in words ("" for a normal topic)."""
    if topic.urgency is Urgency.EMERGENCY:
        return "EMERGENCY: get help without delay"
    if topic.urgency is Urgency.URGENT:
        return "URGENT"
    return ""


def review_line(topic: Topic) -> str:
    """ "Last reviewed April 2015 · Next review due 2017"."""
    return (
        f"Last reviewed {topic.last_reviewed.words()} · Next review due {topic.next_review.words()}"
    )


def source_line(topic: Topic) -> str:
    """Where the information comes from."""
    return f"Source: {topic.source.title}. {topic.source.publisher}."


def related_topics(topic: Topic, content: ContentSet) -> list[Topic]:
    """The topics ``topic`` links to that are there, in its order."""
    related = [content.topic(r) for r in topic.related]
    return [t for t in related if t is not None]


def topic_reading(topic: Topic, content: ContentSet) -> ReadingDocument:
    """A topic page: its body, the related topics (a heading, then each title), the review
    dates and the source."""
    blocks = document_texts(topic.body)
    related = related_topics(topic, content)
    if related:
        blocks += [RELATED_HEADING, *(t.title for t in related)]
    blocks += [review_line(topic), source_line(topic)]
    return ReadingDocument(topic.title, topic_band(topic), tuple(blocks))


def phone_line(number: PhoneNumber) -> str:
    """ "Clinic triage line: 0123 456 7890"."""
    return f"{number.label}: {number.number}"


def read_more(topic: Topic) -> str:
    """The words of the emergency page's button to an emergency topic."""
    return f"Read more: {topic.title}"


def emergency_topics(content: ContentSet) -> list[Topic]:
    """The emergency topics, in content order."""
    return [t for t in content.topics if t.urgency is Urgency.EMERGENCY]


def emergency_reading(content: ContentSet) -> ReadingDocument:
    """The emergency page: the symptoms, what to do, the phone numbers and a button to each
    emergency topic."""
    panel = content.site.emergency
    blocks = [EMERGENCY_INTRO, *panel.symptoms, panel.action]
    blocks += [phone_line(n) for n in panel.phone_numbers]
    blocks += [read_more(t) for t in emergency_topics(content)]
    return ReadingDocument(panel.heading, EMERGENCY_BAND, tuple(blocks))


def help_reading(document: Document) -> ReadingDocument:
    """The Help page (``document``: the help text, parsed)."""
    return ReadingDocument(HELP_TITLE, "", tuple(document_texts(document)))
