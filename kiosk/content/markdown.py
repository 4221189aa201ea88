"""The small Markdown that topic bodies may use: headings, paragraphs, bullet lists, bold, emphasis.

Everything else (links, images, HTML, tables, code, numbered lists, quotes) is a problem for staff,
not something to pass through: the kiosk cannot follow links, and the body must never be able to
inject markup into the screen. The result is a tree of plain text spans; the UI escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A run of text with its style."""

    text: str
    bold: bool = False
    emphasis: bool = False


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    """A heading line (``## Signs to look for``)."""

    level: int
    spans: Inline
    line: int


@dataclass(frozen=True)
class Paragraph:
    """Consecutive text lines joined into one paragraph."""

    spans: Inline
    line: int


@dataclass(frozen=True)
class BulletList:
    """Consecutive ``- item`` lines."""

    items: tuple[Inline, ...]
    line: int


Block = Heading | Paragraph | BulletList


def plain(spans: Inline) -> str:
    """The text of some spans without styling."""
    return "".join(span.text for span in spans)


@dataclass(frozen=True)
class Document:
    """A parsed topic body."""

    blocks: tuple[Block, ...]

    def texts(self) -> Iterator[str]:
        """Each heading, paragraph and bullet item as plain text, in reading order."""
        for block in self.blocks:
            if isinstance(block, BulletList):
                for item in block.items:
                    yield plain(item)
            else:
                yield plain(block.spans)

    def plain_text(self) -> str:
        """The whole body as plain text, one block or item per line."""
        return "\n".join(self.texts())


@dataclass(frozen=True)
class MarkdownIssue:
    """A problem in the body, with a 1-based line relative to the body's first line."""

    line: int
    message: str


MAX_BLOCK_CHARS = 2000
"""The longest heading, paragraph or list item (the seed's longest is 199 characters)."""

_HTML = re.compile(r"<\s*(?:/\s*)?[A-Za-z!?][^>]*>?|&#?[A-Za-z0-9]+;")
# Linear-time patterns only: a body line can be long, and a pattern that backtracks over it (as
# ``(.*?)\s*#*\s*$`` did: seconds for one heading line of 2,000 spaces) would hang the checker.
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d+[.)]\s+")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_LINK = re.compile(r"!?\[[^\]]{0,300}\]\([^)]{0,300}\)|<?https?://\S+|www\.\S+")
_MARKER = re.compile(r"\\[*_\\]|\*\*|__|\*|_")

_UNSUPPORTED_LINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s{0,3}(```|~~~)"), "code blocks are not supported; write plain text"),
    (re.compile(r"^\s{0,3}>"), "quotes (lines starting with >) are not supported"),
    (re.compile(r"^\s*\|"), "tables are not supported; use a bullet list"),
    (_NUMBERED, "numbered lists are not supported; start each item with - instead"),
    (_RULE, "a line of dashes or stars is not supported; leave a blank line instead"),
)


def html_in(text: str) -> str | None:
    """The first piece of HTML (a tag or an entity) in the text, if any."""
    match = _HTML.search(text)
    return match.group(0)[:40] if match else None


def parse_markdown(text: str) -> tuple[Document, list[MarkdownIssue]]:
    """Parse a body, collecting every problem; the document holds what could be read."""
    issues: list[MarkdownIssue] = []
    blocks: list[Block] = []
    paragraph: list[str] = []
    paragraph_line = 0
    items: list[list[str]] = []
    items_line = 0

    def inline(raw: str, line: int) -> Inline:
        if len(raw) > MAX_BLOCK_CHARS:
            # Reported, not parsed: nobody reads a block that long on a kiosk page.
            issues.append(
                MarkdownIssue(
                    line,
                    f"this paragraph is {len(raw):,} characters long; expected at most "
                    f"{MAX_BLOCK_CHARS:,}: split it into shorter paragraphs",
                )
            )
            return (Span(raw[:MAX_BLOCK_CHARS]),)
        spans, problems = parse_inline(raw)
        issues.extend(MarkdownIssue(line, p) for p in problems)
        return spans

    def flush() -> None:
        nonlocal paragraph, items
        if paragraph:
            blocks.append(Paragraph(inline(" ".join(paragraph), paragraph_line), paragraph_line))
            paragraph = []
        if items:
            blocks.append(
                BulletList(tuple(inline(" ".join(i), items_line) for i in items), items_line)
            )
            items = []

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        for match in _HTML.finditer(line):
            issues.append(
                MarkdownIssue(
                    number,
                    f'HTML is not allowed ("{match.group(0)[:40]}"); write plain text',
                )
            )
        for match in _LINK.finditer(line):
            issues.append(
                MarkdownIssue(
                    number,
                    f'links and web addresses are not supported ("{match.group(0)[:40]}"); '
                    "the kiosk cannot open them",
                )
            )
        if "`" in line:
            issues.append(MarkdownIssue(number, "code formatting (`) is not supported"))
        if not line.strip():
            flush()
            continue
        unsupported = next((msg for rx, msg in _UNSUPPORTED_LINE if rx.match(line)), None)
        if unsupported:
            issues.append(MarkdownIssue(number, unsupported))
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            words = _heading_words(heading.group(2))
            blocks.append(Heading(len(heading.group(1)), inline(words, number), number))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            if paragraph:
                flush()
            if not items:
                items_line = number
            items.append([bullet.group(1).strip()])
            continue
        if items and raw[:1].isspace():
            items[-1].append(line.strip())  # an indented line continues the bullet item
            continue
        if items:
            flush()
        if not paragraph:
            paragraph_line = number
        paragraph.append(line.strip())
    flush()
    return Document(tuple(blocks)), issues


def _heading_words(text: str) -> str:
    """The heading without closing hashes (``## Signs ##``), as CommonMark reads them."""
    return text.rstrip().rstrip("#").rstrip()


def parse_inline(text: str) -> tuple[Inline, list[str]]:
    """Split text into bold/emphasis spans; unclosed markers are problems."""
    spans: list[Span] = []
    problems: list[str] = []
    bold = emphasis = False
    buffer: list[str] = []
    position = 0

    def emit() -> None:
        if buffer:
            spans.append(Span("".join(buffer), bold, emphasis))
            buffer.clear()

    for match in _MARKER.finditer(text):
        marker = match.group(0)
        start, end = match.span()
        buffer.append(text[position:start])
        position = end
        if marker.startswith("\\"):
            buffer.append(marker[1])
            continue
        if marker.startswith("_") and _inside_word(text, start, end):
            buffer.append(marker)  # snake_case or a name: not a marker
            continue
        emit()
        if len(marker) == 2:
            bold = not bold
        else:
            emphasis = not emphasis
    buffer.append(text[position:])
    emit()
    if bold:
        problems.append("bold text is started with ** but not ended; add the closing **")
    if emphasis:
        problems.append("emphasis is started with * or _ but not ended; add the closing mark")
    return _merge(spans), problems


def _inside_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isalnum() and after.isalnum()


def _merge(spans: list[Span]) -> Inline:
    # Joined once per run of one style: adding to a growing string is quadratic on long bodies.
    runs: list[tuple[bool, bool, list[str]]] = []
    for span in spans:
        if not span.text:
            continue
        if runs and runs[-1][:2] == (span.bold, span.emphasis):
            runs[-1][2].append(span.text)
        else:
            runs.append((span.bold, span.emphasis, [span.text]))
    return tuple(Span("".join(texts), bold, emphasis) for bold, emphasis, texts in runs)
