"""The seed content, the checker command and the loader's all-or-nothing promise."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.content import Severity, Urgency, load_content
from kiosk.content.report import check_content
from kiosk.content.store import ContentStore
from tests.conftest import SEED, run_cli

TODAY = dt.date(2026, 11, 27)
SEED_IDS = [
    "overview",
    "bone-changes",
    "symptoms",
    "pain",
    "fracture",
    "spinal-cord-compression",
    "hypercalcaemia",
    "anaemia",
    "fatigue",
    "support",
]
SPINAL_SYMPTOM_WORDS = [
    "pain",
    "tenderness",
    "pins and needles",
    "weakness in your legs",
    "bladder",
]


def test_seed_loads_with_no_errors_and_only_overdue_review_warnings() -> None:
    load = load_content(SEED, today=TODAY)
    assert load.errors == ()
    assert load.content is not None
    assert [t.id for t in load.content.topics] == SEED_IDS
    assert {w.field for w in load.warnings} == {"next_review"}
    assert all("review overdue" in w.message for w in load.warnings)
    assert len(load.warnings) == 10


def test_seed_dates_are_true_to_the_source() -> None:
    load = load_content(SEED, today=TODAY)
    for topic in load.topics:
        assert topic.last_reviewed.words() == "April 2015"
        assert topic.next_review.words() == "2017"
        assert topic.review_overdue(TODAY)
        assert not topic.review_overdue(dt.date(2017, 6, 1))


def test_only_spinal_cord_compression_is_an_emergency_and_the_panel_lists_its_five_symptoms() -> (
    None
):
    content = load_content(SEED, today=TODAY).content
    assert content is not None
    emergencies = [t.id for t in content.topics if t.urgency is Urgency.EMERGENCY]
    assert emergencies == ["spinal-cord-compression"]
    panel = content.site.emergency
    assert len(panel.symptoms) == 5
    joined = " ".join(panel.symptoms).lower()
    for words in SPINAL_SYMPTOM_WORDS:
        assert words in joined
    assert "specialist team or GP without delay" in panel.action
    assert content.site.helpline.number == "0808 800 6000"


def test_every_seed_topic_has_at_least_three_phrases_and_a_source() -> None:
    content = load_content(SEED, today=TODAY).content
    assert content is not None
    for topic in content.topics:
        assert len(topic.phrases) >= 3, topic.id
        assert topic.source.title == "Secondary breast cancer in the bone"


def test_checker_collects_problems_from_many_files_in_one_run(seed_copy: Path) -> None:
    en = seed_copy / "en"
    for name, old, new in [
        ("pain.md", "urgency: normal", "urgency: high"),
        ("pain.md", "order: 4", "order: four"),
        ("fatigue.md", "title:", "titel:"),
        ("site.yaml", "number: 0808 800 6000", "number: none"),
    ]:
        path = en / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    report = check_content(seed_copy, TODAY)
    assert report.exit_status == 1
    messages = [p.format() for p in report.errors]
    assert any('pain.md:6: urgency is "high"' in m for m in messages), messages
    assert any('pain.md:5: order is "four"' in m for m in messages), messages
    assert any("fatigue.md" in m and "titel" in m for m in messages), messages
    assert any("site.yaml" in m and "helpline.number" in m for m in messages), messages


def test_check_command_on_the_seed_prints_ten_topics_no_errors_and_the_overdue_warnings() -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "10 topics" in out
    assert "Errors: none" in out
    assert "Warnings (10):" in out
    assert "content/en/pain.md:23: review overdue" in out
    for topic_id in SEED_IDS:
        assert topic_id in out


def test_check_command_json_has_the_documented_shape() -> None:
    result = run_cli("check", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"topics", "errors", "warnings"}
    assert [t["id"] for t in data["topics"]] == SEED_IDS
    for topic in data["topics"]:
        assert {"id", "title", "urgency", "phrases", "reading_age", "review"} <= set(topic)
        assert topic["review"] == "overdue"
        assert isinstance(topic["reading_age"], float)
        assert topic["urgency"] in {"normal", "urgent", "emergency"}
    assert data["errors"] == []
    for warning in data["warnings"]:
        assert {"file", "line", "field", "message"} <= set(warning)


def test_check_command_exits_1_and_names_file_and_line_on_a_bad_edit(seed_copy: Path) -> None:
    pain = seed_copy / "en" / "pain.md"
    pain.write_text(pain.read_text(encoding="utf-8").replace("urgency: normal", "urgency: high"))
    result = run_cli("check", str(seed_copy), cwd=seed_copy.parent)
    assert result.returncode == 1
    assert (
        'content/en/pain.md:6: urgency is "high"; expected one of: normal, urgent, emergency'
        in result.stdout
    )
    assert "will NOT use this content" in result.stdout
    data = json.loads(run_cli("check", str(seed_copy), "--json").stdout)
    assert data["errors"][0]["field"] == "urgency" and data["errors"][0]["line"] == 6


def test_check_command_on_a_missing_folder_says_so() -> None:
    result = run_cli("check", "/nonexistent/content")
    assert result.returncode == 1
    assert "does not exist" in result.stdout


def test_store_keeps_the_last_good_content_when_a_reload_fails(seed_copy: Path) -> None:
    store = ContentStore(seed_copy)
    first = store.reload(TODAY)
    assert first.ok and store.current is not None
    good = store.current
    (seed_copy / "en" / "pain.md").write_text("---\nid: [broken\n", encoding="utf-8")
    second = store.reload(TODAY)
    assert not second.ok and second.errors
    assert store.current is good
    assert store.current.topic("pain") is not None
    (seed_copy / "en" / "pain.md").write_text(
        (SEED / "en" / "pain.md")
        .read_text(encoding="utf-8")
        .replace("Bone pain", "Pain in bones", 1)
    )
    third = store.reload(TODAY)
    assert third.ok
    assert store.current is not good
    topic = store.current.topic("pain")
    assert topic is not None and topic.title == "Pain in bones"


def test_warnings_alone_never_stop_a_load(seed_copy: Path) -> None:
    load = load_content(seed_copy, today=TODAY)
    assert load.warnings and all(w.severity is Severity.WARNING for w in load.warnings)
    assert load.ok


@pytest.mark.parametrize("language_root", ["root", "language"])
def test_loader_accepts_the_content_root_or_a_language_folder(language_root: str) -> None:
    path = SEED if language_root == "root" else SEED / "en"
    assert load_content(path, today=TODAY).ok
