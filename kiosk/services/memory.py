"""Give the kiosk process's freed memory back to the system between patients.

A kiosk runs for weeks. Most of its heap is freed and reused (pages laid out, sentences rendered,
content reloaded), and glibc's allocator keeps freed memory in the process, in fragmented pieces.
``malloc_trim`` hands the free pieces back. It is called when the kiosk resets for the next person
(nobody is using it then; it takes about 3 ms); elsewhere than glibc it does nothing.

Measured with ``python run_kiosk.py bench soak`` (10,000 interactions, 173 idle resets): the
kiosk process after warm-up 148.7 -> 123.3 MB, at the end 154.3 -> 128.5 MB, the whole kiosk
(with its sound and voice processes) at the end 344 -> 320 MB. The growth after warm-up is the
same 5-6 MB with or without it: that part is not free memory held by the allocator.

The voice input process calls it too, after each request and each new request language (its
decoder frees a lattice or a whole language model then): in soaks (same seed) its RSS after 200
and 1,000 interactions went from 120 and 120 MB to 114 and 114 MB.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import sys
from typing import Any, Final

log = logging.getLogger(__name__)


_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
STEADY_THRESHOLD = 128 * 1024
"""glibc's own default for both thresholds, set explicitly (which turns their adjustment off)."""


@functools.cache
def _libc() -> Any:
    """glibc, looked up once; None elsewhere (musl, other systems)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        # glibc by its soname first: find_library runs ``ldconfig -p`` in a child process (about
        # 5 ms of every start); it is asked only where there is no libc.so.6.
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:
            from ctypes import util

            libc = ctypes.CDLL(util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError) as error:  # not glibc (musl has no malloc_trim)
        log.info("glibc's allocator controls are unavailable (%s): freed memory stays put", error)
        return None
    return libc


def keep_allocator_steady() -> bool:
    """Keep glibc's mmap and trim thresholds at their defaults (128 KB); True when set.

    By default glibc raises its mmap threshold to the size of each large block freed (up to
    32 MB), and its trim threshold with it: after rendered speech and the like (blocks of a few
    hundred KB) had been freed, later ones came from the heap and freed heap stayed in the
    process. 2,000-interaction soak (same seed), the kiosk process after the warm-up and at the
    end: 123.8 -> 126.0 MB with the adjustment, 120.4 -> 121.9 MB without it (the allocator's
    heap at the end 36.8 MB of which 13.5 free, against 23.9 of which 2.3 free).
    """
    libc = _libc()
    if libc is None:
        return False
    return bool(
        libc.mallopt(_M_MMAP_THRESHOLD, STEADY_THRESHOLD)
        and libc.mallopt(_M_TRIM_THRESHOLD, STEADY_THRESHOLD)
    )


def _trim_function() -> Any:
    """glibc's ``malloc_trim``; None where there is none."""
    libc = _libc()
    return None if libc is None else libc.malloc_trim


def release_free_memory() -> bool:
    """Return the allocator's free memory to the system; True when it could (glibc only)."""
    trim = _trim_function()
    if trim is None:
        return False
    trim(0)
    return True


PYTHON_ALLOCATOR: Final = "malloc"
"""The allocator the kiosk's Python runs with (``PYTHONMALLOC``): glibc's, for every object.

Python's own allocator (pymalloc) takes memory in 1 MB arenas and gives an arena back only when
every object in it is gone. A content reload holds the old and the new content, matcher and
request language at once; the objects that outlive it land in arenas among the reload's garbage,
so each new high of a reload kept an arena or two for good. Soaks (same seed): with only reloads,
the kiosk process's anonymous memory grew 3.6 MB after the warm-up with pymalloc (arenas 25 -> 27,
objects in them unchanged) and 1.6 MB with glibc's allocator, whose freed pages
:func:`release_free_memory` hands back at each reset. Set by the deploy unit and ``make run``;
:func:`use_kiosk_allocator` sets it where they did not."""


def use_kiosk_allocator() -> None:
    """Start this program again, from the start and with the same arguments, with
    :data:`PYTHON_ALLOCATOR`, when ``PYTHONMALLOC`` is not set at all; otherwise nothing (one set
    on purpose, such as ``debug``, is kept). ``run_kiosk.py`` calls it before the kiosk or a
    benchmark starts (a start by hand pays one more interpreter start, about 20-50 ms)."""
    if "PYTHONMALLOC" in os.environ:
        return
    env = dict(os.environ, PYTHONMALLOC=PYTHON_ALLOCATOR)
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
