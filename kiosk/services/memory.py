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
import ctypes.util
import functools
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)


@functools.cache
def _trim_function() -> Any:
    """glibc's ``malloc_trim``, looked up once; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError) as error:  # not glibc (musl has no malloc_trim)
        log.info("malloc_trim is unavailable (%s): freed memory stays put", error)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the allocator's free memory to the system; True when it could (glibc only)."""
    trim = _trim_function()
    if trim is None:
        return False
    trim(0)
    return True
