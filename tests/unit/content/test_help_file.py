"""The Help screen's text is content: ``content/en/help.md``, edited by staff and checked like a
topic's text, but a bad edit of it only ever warns (the kiosk then shows a short built-in text)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kiosk.content import Severity, load_content
from kiosk.content.loader import HELP_FILE, KEY_LIST_MARK
from tests.conftest import SEED, run_cli

TODAY = dt.date(2026, 12, 2)


def help_problems(root: Path) -> list[str]:
    load = load_content(root, today=TODAY)
    return [p.format() for p in load.errors + load.warnings if p.file.endswith(HELP_FILE)]


def test_the_seed_help_file_loads_with_its_key_list_mark_and_no_problem() -> None:
    load = load_content(SEED, today=TODAY)
    assert load.ok and load.content is not None
    assert load.content.help_markdown is not None
    assert "## Asking by voice" in load.content.help_markdown
    assert KEY_LIST_MARK in load.content.help_markdown.splitlines()
    assert help_problems(SEED) == []
    # It is not a topic: the seed still has its ten topics and no topic called help.
    assert len(load.topics) == 10 and load.content.topic("help") is None


def test_a_missing_help_file_warns_and_the_topics_still_load(seed_copy: Path) -> None:
    (seed_copy / "en" / HELP_FILE).unlink()
    load = load_content(seed_copy, today=TODAY)
    assert load.ok and load.content is not None and load.content.help_markdown is None
    [problem] = [p for p in load.warnings if p.file.endswith(HELP_FILE)]
    assert problem.severity is Severity.WARNING
    assert "missing" in problem.message and "built-in text" in problem.message


def test_an_unusable_help_file_is_a_warning_never_an_error(seed_copy: Path) -> None:
    path = seed_copy / "en" / HELP_FILE
    for data in (b"", b"\n \n", b"## Using the screen\n\nTouch\x00 a topic.\n", b"\xff\xfe\x00"):
        path.write_bytes(data)
        load = load_content(seed_copy, today=TODAY)
        assert load.ok and load.content is not None, data
        assert load.content.help_markdown is None, data
        found = [p for p in load.warnings if p.file.endswith(HELP_FILE)]
        assert found and all("built-in text" in p.message for p in found), (data, found)


def test_a_bad_edit_is_reported_at_its_line_and_the_rest_is_kept(seed_copy: Path) -> None:
    path = seed_copy / "en" / HELP_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2:2] = ["```", "a code block", "```"]  # lines 3-5: not supported on the kiosk
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = help_problems(seed_copy)
    assert any(p.startswith(f"{path}:3: ") and "code blocks" in p for p in problems), problems
    load = load_content(seed_copy, today=TODAY)
    assert load.ok and load.content is not None and load.content.help_markdown is not None
    assert "a code block" in load.content.help_markdown


def test_without_the_key_list_mark_staff_are_told_where_the_list_goes(seed_copy: Path) -> None:
    path = seed_copy / "en" / HELP_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(KEY_LIST_MARK, ""), encoding="utf-8")
    problems = help_problems(seed_copy)
    assert len(problems) == 1 and KEY_LIST_MARK in problems[0] and "at the end" in problems[0]


def test_the_checker_lists_help_problems_as_warnings_and_passes(seed_copy: Path) -> None:
    (seed_copy / "en" / HELP_FILE).unlink()
    result = run_cli("check", "--json", str(seed_copy))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    warnings = [w for w in report["warnings"] if w["file"].endswith(HELP_FILE)]
    assert warnings and "missing" in warnings[0]["message"], report
