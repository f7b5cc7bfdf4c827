"""cdkg's graph layer: build the graph from curated sources, read it, export it.

The public API mirrors the ``cdkg`` command line one to one::

    import kg
    result = kg.build()                 # cdkg build
    kg.stats()                          # cdkg stats
    kg.why("Hà Kim Ngọc")               # cdkg why
    kg.search("hue")                    # cdkg search
    kg.cite("Hà Kim Ngọc").render("apa")  # cdkg cite
    kg.export("turtle", output="kg.ttl")  # cdkg export
    kg.release("release/")              # cdkg release
    kg.diff("old-release/", "release/")  # cdkg diff
    kg.site(output="site")              # cdkg site
    kg.draft("article.txt").yaml        # cdkg draft
    kg.new_source("005-new-article")    # cdkg new-source (the two files' text)
    kg.vocab("properties")              # cdkg vocab

Submodules are imported on first use so that ``import kg`` stays cheap.  They are named
for their stage (``builder``, ``exporter``, ``statistics``, ``provenance``) rather than after
the functions (``publisher`` for ``release``, ``datadiff`` for ``diff``), so that importing a
submodule never hides the function of the same name.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "build": "kg.builder",
    "BuildResult": "kg.builder",
    "export": "kg.exporter",
    "FORMATS": "kg.exporter",
    "EXPORT_FORMATS": "kg.exporter",
    "to_networkx": "kg.networkexport",
    "cite": "kg.citations",
    "Citation": "kg.citations",
    "stats": "kg.statistics",
    "Stats": "kg.statistics",
    "why": "kg.provenance",
    "WhyResult": "kg.provenance",
    "find_entity": "kg.provenance",
    "search": "kg.lookup",
    "Hit": "kg.lookup",
    "release": "kg.publisher",
    "Release": "kg.publisher",
    "diff": "kg.datadiff",
    "DataDiff": "kg.datadiff",
    "site": "viz.site",
    "draft": "loaders.drafting",
    "new_source": "loaders.drafting",
    "vocab": "loaders.vocab",
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
