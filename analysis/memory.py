"""Giving freed memory back to the operating system between the stages of a large build.

Two things hold memory after a stage is done with it: pandas frames in reference cycles, which
only Python's cyclic collector frees (validation's checked frames are), and the C library's
allocator, which keeps freed heap pages for later reuse instead of returning them. At a million
participants the two held several hundred MB through cleaning (`python -m analysis.bench`
reports the peak per stage).
"""

from __future__ import annotations

import ctypes
import gc
import sys


def release_memory() -> None:
    """Collect cyclic garbage, then ask glibc to return its free pages (elsewhere: only the
    former; other C libraries have no such call)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # absent under musl
        if trim is not None:
            trim(0)
