"""Pause Python's cyclic garbage collector while a large acyclic structure is built.

Reading a findings JSON of 250,000 resources or rendering its report creates millions of small
dicts, lists and strings that live until the end. Each allocation burst makes the collector walk
every live object again (it cannot free any of them: they hold no cycles), which measured as more
time than the work itself. Reference counting still frees everything as usual; the collector runs
again (and catches up) when the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore its previous state after, on errors too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
