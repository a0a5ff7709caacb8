"""A web worker's boot without the cyclic garbage collector (issue 19, "Cold start";
docs/architecture.md "A web worker's boot").

The web entry points (`nexusone/wsgi.py`, `nexusone/asgi.py`) boot inside `without_gc()`.
Booting creates ~100,000 objects that live as long as the worker — modules, classes, functions,
models' metadata, settings — and little garbage, yet the collector, which runs every 700
allocations, traversed them again and again: ~0.06 s, a tenth of the boot. It is paused for the
boot, and what the boot built is then moved out of its reach (`gc.freeze()`), so the requests'
collections do not traverse it either. The price: the cyclic garbage the boot leaves (~6,000
objects, under 1 MB, once per worker) is never freed. Everything reference counting frees — nearly
everything — is freed as before, and the collector runs as before for what requests allocate.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_gc() -> Iterator[None]:
    if not gc.isenabled():  # the caller manages the collector itself
        yield
        return
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()
