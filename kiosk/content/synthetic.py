"""Generated content for benchmarks and scale tests: many valid topics built from real pages."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.content.loader import HELP_FILE, SITE_FILE, load_content

_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

_TEMPLATE = """---
id: {id}
title: {title} {n}
summary: {summary}
order: {n}
urgency: {urgency}
phrases:
  - tell me about {words} number {spoken}
  - what is {words} {spoken}
  - i want to read about {words} {spoken}
related:
  - {related}
last_reviewed: 2025-04
next_review: 2027-04
source:
  title: Generated copy of {title}
  publisher: Benchmark generator
  reference: {reference}
---
{body}
"""


def generate_topics(seed_root: Path, target: Path, count: int) -> Path:
    """Write ``count`` valid topics (bodies copied from the seed pages) plus the seed site file
    and help file.

    Returns the language folder written. The seed itself must load without errors.
    """
    seed = load_content(seed_root)
    if seed.content is None:
        raise ValueError(f"the seed content in {seed_root} has errors; fix them first")
    folder = target / "en"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copyfile(seed.content.site.file, folder / SITE_FILE)
    if (seed.folder / HELP_FILE).is_file():
        shutil.copyfile(seed.folder / HELP_FILE, folder / HELP_FILE)
    topics = seed.content.topics
    for n in range(1, count + 1):
        topic = topics[n % len(topics)]
        body = topic.file.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        topic_id = f"{topic.id}-{n}"
        (folder / f"{topic_id}.md").write_text(
            _TEMPLATE.format(
                id=topic_id,
                n=n,
                spoken=" ".join(_DIGITS[int(d)] for d in str(n)),
                title=topic.title,
                summary=topic.summary,
                urgency=topic.urgency.value,
                words=topic.id.replace("-", " "),
                related=f"{topics[(n + 1) % len(topics)].id}-{n % count + 1}",
                reference=topic.source.reference,
                body=body,
            ),
            encoding="utf-8",
        )
    return folder
