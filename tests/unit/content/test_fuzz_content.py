"""Fuzzing the staff checker with generated bad content (kiosk.devtools.badcontent).

Every variant goes through the checker's own code (``check_content`` and its text and JSON
reports, as ``python run_kiosk.py check`` runs them) on a worker thread with a time bound: a hang
or an exception fails the test. What the checker must then say is the variant's ``expect``:

- ``LINE``: an error at ``file:line`` in the damaged file (the exact line where it is known);
- ``FILE``: an error naming the damaged file, where the damage is to the whole file (empty, over
  250 KB, a link out of the folder, a pipe, removed while read) and so has no line;
- ``WARNING``: still valid content (a folder called ``notes.md`` is ignored), with a warning.

HTML or script in any text is an error, never passed through or merely warned about: the kiosk
shows plain text only, so markup in content is always a mistake to fix.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from kiosk.content.loader import load_content
from kiosk.content.problems import Problem
from kiosk.content.report import CheckReport, check_content, dumps
from kiosk.devtools.badcontent import KINDS, Expect, Variant, counts, restore, variants
from tests.conftest import SEED, run_cli

FUZZ_SEED = 20_251
VARIANTS = variants(FUZZ_SEED)
BY_NAME = {v.name: v for v in VARIANTS}
TIME_BOUND_S = 2.0
HANG_S = 20.0

T = TypeVar("T")


def bounded(work: Callable[[], T], limit: float = HANG_S) -> tuple[T, float]:
    """Run ``work`` on a worker thread; fail the test if it is still running after ``limit``."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as caught:  # re-raised below, on the test's thread
            error.append(caught)

    start = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    elapsed = time.perf_counter() - start
    if worker.is_alive():
        pytest.fail(f"the checker hung: still running after {limit:.0f} s")
    if error:
        raise error[0]
    return result[0], elapsed


def fresh_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(SEED, root)
    return root


def names(problem: Problem, root: Path, variant: Variant) -> bool:
    return os.path.abspath(problem.file) == os.path.abspath(root / variant.target)


def check_expectation(report: CheckReport, root: Path, variant: Variant) -> None:
    shown = "\n".join(p.format() for p in report.errors + report.warnings)
    if variant.expect is Expect.WARNING:
        assert not report.errors, f"{variant.name}: expected valid content, got:\n{shown}"
        assert any(names(p, root, variant) for p in report.warnings), shown
        return
    hits = [p for p in report.errors if names(p, root, variant)]
    assert hits, f"{variant.name}: no error names {variant.target}:\n{shown}"
    if variant.expect is Expect.LINE:
        lines = [p.line for p in hits]
        if variant.line is not None:
            assert variant.line in lines, f"{variant.name}: expected line {variant.line}:\n{shown}"
        else:
            assert any(line >= 1 for line in lines), f"{variant.name}: no line:\n{shown}"
    text = report.as_text()
    assert hits[0].format() in text  # the report staff read shows it as file:line: message
    assert "The kiosk will NOT use this content" in text
    assert report.exit_status == 1


def test_the_generator_makes_over_200_variants_of_every_kind_over_every_file() -> None:
    found = counts(VARIANTS)
    assert sum(found.values()) >= 200
    assert all(found[kind] >= 8 for kind in KINDS), found
    assert len(BY_NAME) == len(VARIANTS), "variant names must be unique"
    targets = {v.target for v in VARIANTS}
    assert {f"en/{p.name}" for p in (SEED / "en").iterdir()} <= targets
    assert [v.name for v in variants(FUZZ_SEED)] == [v.name for v in VARIANTS]  # deterministic
    assert [v.name for v in variants(FUZZ_SEED + 1)] != [v.name for v in VARIANTS]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_checker_reports_each_bad_variant_in_time(name: str, tmp_path: Path) -> None:
    variant = BY_NAME[name]
    root = fresh_copy(tmp_path)

    def check() -> CheckReport:
        with variant.during_next_load(root):  # mid-load damage happens inside this check
            report = check_content(root)
        report.as_text()
        dumps(report)
        return report

    report, elapsed = bounded(check)
    assert elapsed <= TIME_BOUND_S, f"{name}: the check took {elapsed:.2f} s"
    check_expectation(report, root, variant)
    restore(root)
    assert load_content(root).ok, "restore() must give back the good content"
    assert not list(tmp_path.glob("outside-*"))


@pytest.mark.parametrize(
    "name",
    [
        "yaml_alias/en/site.yaml/billion-laughs",
        "huge/en/site.yaml/file-over-250KB",
        "not_a_file/en/site.yaml/fifo",
        "long_line/en/site.yaml/heading",
    ],
)
def test_the_check_command_reports_heavy_variants(name: str, tmp_path: Path) -> None:
    variant = BY_NAME[name]
    root = fresh_copy(tmp_path)
    variant.apply(root)
    start = time.perf_counter()
    result = run_cli("check", str(root), timeout=60)
    elapsed = time.perf_counter() - start
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    where = str(root / variant.target)
    expected = f"{where}:{variant.line}: " if variant.line else where
    assert expected in result.stdout, result.stdout
    assert "The kiosk will NOT use this content" in result.stdout
    assert elapsed < 30, f"check took {elapsed:.1f} s"


def test_files_removed_and_replaced_by_another_thread_during_loads(tmp_path: Path) -> None:
    """A real race, no hooks: an editor thread removes, rewrites and swaps files while the loader
    runs again and again. Every load ends with content or with problems, never an exception."""
    root = fresh_copy(tmp_path)
    folder = root / "en"
    good = {p.name: p.read_bytes() for p in folder.iterdir()}
    stop = threading.Event()
    edits = [0]

    def editor() -> None:
        names_ = sorted(good)
        while not stop.is_set():
            name = names_[edits[0] % len(names_)]
            path = folder / name
            path.unlink(missing_ok=True)
            temp = folder / f".{name}.tmp"
            temp.write_bytes(good[name][: len(good[name]) // 2])
            os.replace(temp, path)
            temp.write_bytes(good[name])
            os.replace(temp, path)
            edits[0] += 1

    thread = threading.Thread(target=editor, daemon=True)
    thread.start()
    outcomes = {"ok": 0, "errors": 0}
    try:
        for _ in range(60):
            load, _elapsed = bounded(lambda: load_content(root))
            if load.ok:
                outcomes["ok"] += 1
            else:
                outcomes["errors"] += 1
                assert all(p.file and p.message for p in load.errors)
    finally:
        stop.set()
        thread.join(5)
    assert edits[0] > 0
    assert outcomes["errors"] > 0, outcomes  # the race was really run
    for name, data in good.items():
        (folder / name).write_bytes(data)
    assert load_content(root).ok
