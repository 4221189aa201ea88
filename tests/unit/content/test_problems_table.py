"""Every error and warning the checker knows, each on its own malformed copy of the seed content.

Each case edits one file of a fresh copy of the seed, loads it with the kiosk's loader and expects a
problem naming the file, the line, the field and words a non-programmer understands.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.content import Severity, load_content

TODAY = dt.date(2026, 11, 27)
Edit = Callable[[Path], None]  # receives the language folder (content/en)


def replace(name: str, old: str, new: str, count: int = 1) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text {old!r} not in {name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def write(name: str, data: str | bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    return edit


def remove(name: str) -> Edit:
    return lambda folder: (folder / name).unlink()


def body_of(name: str, new_body: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        head, _, _ = path.read_text(encoding="utf-8").partition("\n---\n")
        path.write_text(f"{head}\n---\n{new_body}", encoding="utf-8")

    return edit


@dataclass(frozen=True)
class Case:
    name: str
    edit: Edit
    file: str  # the file the problem names
    line_marker: str | int | None  # text on the expected line, a line number, or None (any)
    field: str
    fragment: str
    severity: Severity = Severity.ERROR


PAIN_BODY = "## Pain\n\nSome pain text.\n"

CASES = [
    Case(
        "urgency not a choice",
        replace("pain.md", "urgency: normal", "urgency: high"),
        "pain.md",
        "urgency: high",
        "urgency",
        'urgency is "high"; expected one of: normal, urgent, emergency',
    ),
    Case(
        "missing title",
        replace("pain.md", "title: Bone pain\n", ""),
        "pain.md",
        None,
        "title",
        "title is missing",
    ),
    Case(
        "unknown field with suggestion",
        replace("pain.md", "title:", "titel:"),
        "pain.md",
        "titel:",
        "titel",
        'unknown field "titel" (did you mean "title"?)',
    ),
    Case(
        "order not a number",
        replace("pain.md", "order: 4", "order: fourth"),
        "pain.md",
        "order: fourth",
        "order",
        'order is "fourth"; expected a whole number',
    ),
    Case(
        "order a fraction",
        replace("pain.md", "order: 4", "order: 4.5"),
        "pain.md",
        "order: 4.5",
        "order",
        "expected a whole number",
    ),
    Case(
        "order quoted",
        replace("pain.md", "order: 4", 'order: "4"'),
        "pain.md",
        'order: "4"',
        "order",
        "expected a whole number",
    ),
    Case(
        "phrases not a list",
        replace(
            "pain.md",
            "phrases:\n  - my bones hurt",
            "phrases: my bones hurt\nxphrases:\n  - my bones hurt",
        ),
        "pain.md",
        "phrases: my bones hurt",
        "phrases",
        'phrases is "my bones hurt"; expected a list',
    ),
    Case(
        "phrase with digits",
        replace("pain.md", "  - my bones hurt", "  - my bones hurt 24 7"),
        "pain.md",
        "my bones hurt 24 7",
        "phrases item",
        "words only",
    ),
    Case(
        "unknown related id",
        replace("pain.md", "  - symptoms", "  - sympt0ms"),
        "pain.md",
        "related:",
        "related",
        'related is "sympt0ms"; expected the id of an existing topic',
    ),
    Case(
        "related to itself",
        replace("pain.md", "  - symptoms", "  - pain"),
        "pain.md",
        "related:",
        "related",
        "related lists this topic itself",
    ),
    Case(
        "duplicate id",
        replace("fatigue.md", "id: fatigue", "id: pain"),
        "fatigue.md",
        "id: pain",
        "id",
        'id "pain" is already used by',
    ),
    Case(
        "id with capitals",
        replace("pain.md", "id: pain", "id: Bone Pain"),
        "pain.md",
        "id: Bone Pain",
        "id",
        "lower-case letters, digits and dashes",
    ),
    Case(
        "bad date",
        replace("pain.md", "last_reviewed: 2015-04", "last_reviewed: sometime in spring"),
        "pain.md",
        "last_reviewed: sometime",
        "last_reviewed",
        'last_reviewed is "sometime in spring"; expected a date such as',
    ),
    Case(
        "impossible month",
        replace("pain.md", "next_review: 2017", "next_review: 2017-13"),
        "pain.md",
        "next_review: 2017-13",
        "next_review",
        "expected a date",
    ),
    Case(
        "impossible day",
        replace("pain.md", "last_reviewed: 2015-04", "last_reviewed: 2015-02-30"),
        "pain.md",
        "last_reviewed: 2015-02-30",
        "last_reviewed",
        "expected a date",
    ),
    Case(
        "next review before last review",
        replace("pain.md", "next_review: 2017", "next_review: 2014"),
        "pain.md",
        "next_review: 2014",
        "next_review",
        "before last_reviewed",
    ),
    Case(
        "script tag in body",
        body_of("pain.md", "## Pain\n\nHello <script>alert(1)</script>\n"),
        "pain.md",
        "<script>",
        "body",
        "HTML is not allowed",
    ),
    Case(
        "html entity in body",
        body_of("pain.md", "## Pain\n\nPain &amp; aches.\n"),
        "pain.md",
        "&amp;",
        "body",
        "HTML is not allowed",
    ),
    Case(
        "html in title",
        replace("pain.md", "title: Bone pain", "title: Bone <b>pain</b>"),
        "pain.md",
        "title: Bone <b>",
        "title",
        "title contains HTML",
    ),
    Case("empty body", body_of("pain.md", "\n\n"), "pain.md", None, "body", "the page has no text"),
    Case(
        "not utf-8",
        write("pain.md", ("---\nid: pain\ntitle: Bone pain caf\xe9\n").encode("latin-1")),
        "pain.md",
        3,
        "",
        "not saved as UTF-8",
    ),
    Case(
        "file over 250 KB",
        body_of("pain.md", "Words. " * 150_000),
        "pain.md",
        None,
        "",
        "expected at most 250,000",
    ),
    Case(
        "yaml anchor and alias",
        replace(
            "pain.md",
            "title: Bone pain\nsummary: What bone pain can feel like and how it can be helped.",
            "title: &t Bone pain\nsummary: *t",
        ),
        "pain.md",
        "title: &t",
        "",
        "'&t' names a value to repeat",
    ),
    Case(
        "yaml alias reported too",
        replace(
            "pain.md",
            "title: Bone pain\nsummary: What bone pain can feel like and how it can be helped.",
            "title: &t Bone pain\nsummary: *t",
        ),
        "pain.md",
        "summary: *t",
        "",
        "'*t' repeats another value",
    ),
    Case(
        "billion laughs",
        replace(
            "pain.md",
            "urgency: normal",
            'urgency: normal\nx: &a ["lol","lol"]\ny: &b [*a,*a,*a]\nz: [*b,*b,*b]',
        ),
        "pain.md",
        "x: &a",
        "",
        "names a value to repeat",
    ),
    Case(
        "colon inside a value",
        replace("pain.md", "summary: What bone pain", "summary: Pain: what bone pain"),
        "pain.md",
        "summary: Pain:",
        "",
        "put the whole value in double quotes",
    ),
    Case(
        "tab indentation",
        replace("pain.md", "  - my bones hurt", "\t- my bones hurt"),
        "pain.md",
        None,
        "",
        "cannot be read",
    ),
    Case(
        "unclosed quote",
        replace("pain.md", "title: Bone pain", 'title: "Bone pain'),
        "pain.md",
        None,
        "",
        "cannot be read",
    ),
    Case(
        "python tag",
        replace("pain.md", "urgency: normal", "urgency: !!python/object/apply:os.system ['true']"),
        "pain.md",
        "urgency: !!python",
        "",
        "is not allowed",
    ),
    Case(
        "duplicate field",
        replace("pain.md", "order: 4", "order: 4\norder: 5"),
        "pain.md",
        "order: 5",
        "",
        "order appears twice",
    ),
    Case(
        "front matter is a list",
        write("pain.md", "---\n- id: pain\n---\nText.\n"),
        "pain.md",
        2,
        "",
        "the front matter is a list; expected a group of fields",
    ),
    Case(
        "no front matter",
        write("pain.md", "# Bone pain\n\nSome text.\n"),
        "pain.md",
        1,
        "",
        "must start with a line of three dashes",
    ),
    Case(
        "front matter never closed",
        write("pain.md", "---\nid: pain\ntitle: Bone pain\n"),
        "pain.md",
        1,
        "",
        "the fields are not closed",
    ),
    Case("empty file", write("pain.md", ""), "pain.md", None, "", "the file is empty"),
    Case(
        "binary bytes",
        write("pain.md", b"---\nid: pain\n\x00\x01\x02\n---\n"),
        "pain.md",
        3,
        "",
        "binary data",
    ),
    Case(
        "nested field missing",
        replace("pain.md", "  publisher: Not named", "  publishr: Not named"),
        "pain.md",
        None,
        "source.publisher",
        "source.publisher is missing",
    ),
    Case(
        "summary too long",
        replace("pain.md", "summary: What", "summary: " + "very " * 60 + "What"),
        "pain.md",
        "summary: very",
        "summary",
        "expected at most 200",
    ),
    Case(
        "link in body",
        body_of("pain.md", "## Pain\n\nSee [our page](https://example.org).\n"),
        "pain.md",
        "[our page]",
        "body",
        "links and web addresses are not supported",
    ),
    Case(
        "numbered list",
        body_of("pain.md", "## Pain\n\n1. first\n2. second\n"),
        "pain.md",
        "1. first",
        "body",
        "numbered lists are not supported",
    ),
    Case(
        "table",
        body_of("pain.md", "## Pain\n\n| a | b |\n"),
        "pain.md",
        "| a | b |",
        "body",
        "tables are not supported",
    ),
    Case(
        "code block",
        body_of("pain.md", "## Pain\n\n```\ncode\n```\n"),
        "pain.md",
        "```",
        "body",
        "code blocks are not supported",
    ),
    Case(
        "unclosed bold",
        body_of("pain.md", "## Pain\n\nThis is **very important.\n"),
        "pain.md",
        "**very",
        "body",
        "bold text is started with ** but not ended",
    ),
    Case(
        "missing site file", remove("site.yaml"), "site.yaml", None, "", "the site file is missing"
    ),
    Case(
        "site without emergency panel",
        replace("site.yaml", "emergency:", "emergencies:"),
        "site.yaml",
        None,
        "emergency",
        "emergency is missing",
    ),
    Case(
        "emergency panel without symptoms",
        replace(
            "site.yaml",
            "  symptoms:\n    - more pain around your spine\n"
            "    - tenderness over your spine where it is affected\n"
            "    - a change in feeling, such as pins and needles\n"
            "    - weakness in your legs\n"
            "    - not being able to control your bladder or bowels (incontinence)\n",
            "  symptoms: []\n",
        ),
        "site.yaml",
        "symptoms: []",
        "emergency.symptoms",
        "emergency.symptoms has no items; expected at least 1",
    ),
    Case(
        "site helpline number not a number",
        replace("site.yaml", "number: 0808 800 6000", "number: call us"),
        "site.yaml",
        "number: call us",
        "helpline.number",
        "expected a phone number",
    ),
    Case(
        "site file malformed",
        replace("site.yaml", "clinic_name: Patient information", "clinic_name: [Patient"),
        "site.yaml",
        None,
        "",
        "cannot be read",
    ),
    Case(
        "no topics at all",
        lambda f: [p.unlink() for p in f.glob("*.md")],
        "en",
        None,
        "",
        "there are no topic files",
    ),
    Case(
        "link to a file outside the content folder",
        lambda f: ((f / "pain.md").unlink(), os.symlink("/etc/hostname", f / "pain.md")),
        "pain.md",
        None,
        "",
        "outside the content folder",
    ),
    # Warnings: the content still loads.
    Case(
        "review overdue",
        lambda f: None,
        "pain.md",
        "next_review: 2017",
        "next_review",
        "review overdue",
        Severity.WARNING,
    ),
    Case(
        "fewer than three phrases",
        replace(
            "pain.md",
            "  - i have pain in my bones\n  - how can bone pain be helped\n  - tell me about pain\n"
            "  - what is a pain diary\n  - the pain is worse at night\n  - my bones ache\n"
            "  - i'm in a lot of pain\n  - what can help my pain\n  - what helps with bone pain\n"
            "  - the pain keeps me awake\n",
            "",
        ),
        "pain.md",
        "phrases:",
        "phrases",
        "phrases has 1; expected at least 3",
        Severity.WARNING,
    ),
    Case(
        "same phrase on two topics",
        replace("fatigue.md", "phrases:\n", "phrases:\n  - My bones hurt!\n"),
        "fatigue.md",
        "phrases:",
        "phrases",
        'also used by topic "pain"',
        Severity.WARNING,
    ),
    Case(
        "reading age above 14",
        body_of(
            "pain.md",
            "Pathological musculoskeletal complications necessitate interdisciplinary "
            "consideration, particularly regarding analgesic optimisation, radiotherapeutic "
            "intervention and pharmacological bone-modifying administration.\n",
        ),
        "pain.md",
        None,
        "body",
        "reading age is",
        Severity.WARNING,
    ),
    Case(
        "stray file",
        write("notes.txt", "remember to update"),
        "notes.txt",
        None,
        "",
        "ignored: not a topic",
        Severity.WARNING,
    ),
    Case(
        "file name does not match id",
        lambda f: (f / "pain.md").rename(f / "bone-pain.md"),
        "bone-pain.md",
        "id: pain",
        "id",
        "name it pain.md",
        Severity.WARNING,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_problem_is_reported_with_file_line_field_and_plain_words(
    seed_copy: Path, case: Case
) -> None:
    folder = seed_copy / "en"
    case.edit(folder)
    load = load_content(seed_copy, today=TODAY)
    problems = load.errors if case.severity is Severity.ERROR else load.warnings
    matching = [
        p
        for p in problems
        if Path(p.file).name == case.file and case.fragment in p.message and p.field == case.field
    ]
    shown = "\n".join(p.format() + f"  [field={p.field}]" for p in load.errors + load.warnings)
    assert matching, f"expected a problem in {case.file} saying {case.fragment!r}; got:\n{shown}"
    problem = matching[0]
    if isinstance(case.line_marker, int):
        assert problem.line == case.line_marker, shown
    elif isinstance(case.line_marker, str):
        path = folder / case.file
        lines = path.read_text(encoding="utf-8").splitlines()
        expected = next(i for i, text in enumerate(lines, 1) if case.line_marker in text)
        assert problem.line == expected, f"expected line {expected}:\n{shown}"
    assert problem.format().startswith(
        f"{problem.file}:{problem.line}: " if problem.line else problem.file
    )
    if case.severity is Severity.ERROR:
        assert load.content is None, "content with errors must not load"
    else:
        assert load.errors == (), shown
        assert load.content is not None


def test_there_are_at_least_thirty_malformed_fixtures() -> None:
    assert sum(1 for c in CASES if c.severity is Severity.ERROR) >= 30
