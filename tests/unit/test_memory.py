"""Freed memory goes back to the system at an idle reset (glibc's malloc_trim)."""

from __future__ import annotations

import sys

import pytest

from kiosk.services.memory import release_free_memory


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_small_blocks_go_back_to_the_system() -> None:
    # Many small blocks (below the mmap threshold) freed except every 200th: the heap stays
    # fragmented and glibc keeps the free pages until malloc_trim returns them.
    blocks = [bytearray(2000) for _ in range(40_000)]
    kept = blocks[::200]
    del blocks
    before = _rss_kb()
    assert release_free_memory()
    after = _rss_kb()
    assert before - after > 20_000, (before, after)  # of about 80 MB freed
    assert kept
