"""Pure logic: the restricted Markdown reader and the reading-age formula."""

from __future__ import annotations

import pytest

from kiosk.content.markdown import BulletList, Heading, Paragraph, Span, parse_markdown
from kiosk.content.readability import count_syllables, reading_age
from kiosk.content.schema import parse_review_date


def test_headings_paragraphs_bullets_bold_and_emphasis() -> None:
    doc, issues = parse_markdown(
        "## Signs\n\nThe signs **can** be:\n\n- pain\n- *tenderness* over\n  the spine\n\nEnd.\n"
    )
    assert issues == []
    heading, para, bullets, end = doc.blocks
    assert isinstance(heading, Heading) and heading.level == 2 and heading.line == 1
    assert isinstance(para, Paragraph)
    assert para.spans == (Span("The signs "), Span("can", bold=True), Span(" be:"))
    assert isinstance(bullets, BulletList) and bullets.line == 5
    assert bullets.items[1] == (Span("tenderness", emphasis=True), Span(" over the spine"))
    assert isinstance(end, Paragraph)
    assert list(doc.texts()) == [
        "Signs",
        "The signs can be:",
        "pain",
        "tenderness over the spine",
        "End.",
    ]


def test_underscores_inside_words_and_escaped_stars_are_text() -> None:
    doc, issues = parse_markdown("A file_name and 5 \\* 3.\n")
    assert issues == []
    assert doc.plain_text() == "A file_name and 5 * 3."


@pytest.mark.parametrize(
    "text",
    ["<b>x</b>", "<!-- note -->", "<img src=x onerror=alert(1)>", "&lt;", "a <script", "&#60;"],
)
def test_any_html_is_refused(text: str) -> None:
    _, issues = parse_markdown(f"Hello {text} there\n")
    assert any("HTML is not allowed" in i.message for i in issues)


def test_a_comparison_sign_is_not_html() -> None:
    _, issues = parse_markdown("If it is < 5 or > 3 that is fine.\n")
    assert issues == []


def test_syllables() -> None:
    assert [count_syllables(w) for w in ["bone", "cancer", "hypercalcaemia", "the", "tired"]] == [
        1,
        2,
        6,
        1,
        1,
    ]


def test_reading_age_is_flesch_kincaid_grade_plus_five() -> None:
    # 2 sentences, 8 words, 8 syllables: grade = 0.39*4 + 11.8*1 - 15.59 = -2.23; age 2.8
    assert reading_age(["The cat sat.", "The dog ran far away."]) == pytest.approx(
        0.39 * 4 + 11.8 * (9 / 8) - 15.59 + 5, abs=0.05
    )
    assert reading_age([]) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2017", "2017"),
        ("2015-04", "April 2015"),
        ("2015-04-30", "30 April 2015"),
        ("April 2015", "April 2015"),
        ("3 Apr 2015", "3 April 2015"),
    ],
)
def test_review_dates_staff_may_write(text: str, words: str) -> None:
    date = parse_review_date(text)
    assert date is not None and date.words() == words


@pytest.mark.parametrize("text", ["2015-13", "2015-02-30", "Smarch 2015", "soon", "15/04/2015"])
def test_review_dates_that_are_refused(text: str) -> None:
    assert parse_review_date(text) is None
