"""What Read aloud reads on a page comes from the content model: the title, the band, then each
block's words in the order the page shows them (the screens' side is checked on the real window,
``tests/ui/test_screens.py``)."""

from __future__ import annotations

import datetime as dt

from kiosk.content import load_content
from kiosk.content.markdown import parse_markdown
from kiosk.content.model import ContentSet
from kiosk.content.reading import (
    EMERGENCY_BAND,
    EMERGENCY_INTRO,
    HELP_TITLE,
    RELATED_HEADING,
    emergency_reading,
    help_reading,
    topic_reading,
)
from kiosk.speech.text import sentences_of
from tests.conftest import SEED


def seed() -> ContentSet:
    load = load_content(SEED, today=dt.date(2026, 12, 2))
    assert load.content is not None
    return load.content


def test_a_topic_reads_its_title_band_body_related_topics_review_and_source() -> None:
    content = seed()
    pain = content.topic("pain")
    assert pain is not None
    reading = topic_reading(pain, content)
    assert reading.units[:4] == (
        "Bone pain",
        "",  # a normal topic has no band
        "What the pain can be like",
        "Secondary breast cancer in the bone can cause pain in or near the affected area. The "
        "pain can range from mild to severe (very bad).",
    )
    assert "a dull ache" in reading.blocks  # each bullet item is a block of its own
    related = reading.blocks.index(RELATED_HEADING)
    titles = tuple(t.title for t in (content.topic("symptoms"), content.topic("fracture")) if t)
    assert len(titles) == 2 and reading.blocks[related + 1 : related + 3] == titles
    assert reading.blocks[-2].startswith("Last reviewed April 2015 · Next review due 2017")
    assert reading.blocks[-1].startswith("Source: Secondary breast cancer in the bone.")
    first = sentences_of(reading.units)[0]
    assert (first.block, first.text) == (0, "Bone pain")


def test_an_emergency_topic_has_its_band_and_the_emergency_page_its_words() -> None:
    content = seed()
    scc = content.topic("spinal-cord-compression")
    assert scc is not None
    assert topic_reading(scc, content).band == "EMERGENCY: get help without delay"
    page = emergency_reading(content)
    panel = content.site.emergency
    assert (page.title, page.band) == (panel.heading, EMERGENCY_BAND)
    assert page.blocks[: 1 + len(panel.symptoms)] == (EMERGENCY_INTRO, *panel.symptoms)
    assert page.blocks[-1] == f"Read more: {scc.title}"


def test_help_reads_its_headings_paragraphs_and_items() -> None:
    document = parse_markdown("## Touch\n\nTap a topic.\n\n- Back\n- Home\n")[0]
    assert help_reading(document).units == (HELP_TITLE, "", "Touch", "Tap a topic.", "Back", "Home")
