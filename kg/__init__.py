"""cdkg's graph layer: build the graph from curated sources, read it, export it.

The public API mirrors the ``cdkg`` command line one to one::

    import kg
    result = kg.build()                 # cdkg build
    kg.stats()                          # cdkg stats
    kg.why("Hà Kim Ngọc")               # cdkg why
    kg.export("turtle", output="kg.ttl")  # cdkg export

Submodules are imported on first use so that ``import kg`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "build": "kg.build",
    "BuildResult": "kg.build",
    "export": "kg.export",
    "FORMATS": "kg.export",
    "stats": "kg.stats",
    "why": "kg.why",
    "find_entity": "kg.why",
    "open_store": "kg.store",
    "CdkgError": "kg.errors",
    "SourceError": "kg.errors",
    "NotBuiltError": "kg.errors",
    "EntityNotFound": "kg.errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
