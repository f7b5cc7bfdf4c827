"""cdkg — the Cultural Diplomacy Knowledge Graph, as a Python library.

Every ``cdkg`` command is a thin wrapper over one function here, with the same options::

    import cdkg
    cdkg.build()                                   # cdkg build
    cdkg.validate()                                # cdkg validate
    cdkg.reason()                                  # cdkg reason
    cdkg.stats()                                   # cdkg stats
    cdkg.why("Hà Kim Ngọc")                        # cdkg why
    cdkg.search("hue")                             # cdkg search
    cdkg.cite("Hà Kim Ngọc").render("apa")         # cdkg cite
    cdkg.queries.library()                         # cdkg queries
    cdkg.query("cq04", lang="vi").to_dataframe()   # cdkg query cq04 --lang vi
    cdkg.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 3")   # cdkg query --sparql ...
    cdkg.gaps(lang="vi")                           # cdkg gaps
    cdkg.viz(focus="Hà Kim Ngọc", output="hkn.html")  # cdkg viz
    cdkg.site(output="site")                       # cdkg site
    cdkg.export("turtle", output="kg.ttl")         # cdkg export
    cdkg.release("release/")                       # cdkg release
    cdkg.diff("old-release/", "release/")          # cdkg diff
    cdkg.push("http://localhost:7878")             # cdkg push
    cdkg.serve()                                   # cdkg serve
    cdkg.draft("article.txt").yaml                 # cdkg draft
    cdkg.new_source("005-new-article")             # cdkg new-source (the two files' text)
    cdkg.vocab("properties")                       # cdkg vocab

The layers are subpackages, each importing only those below it: :mod:`cdkg.ontology` (terms,
shapes, checks), :mod:`cdkg.loaders` (curated sources to quads), :mod:`cdkg.kg` (build, store,
export, remote endpoints), :mod:`cdkg.queries` (named queries, gap rules, networks),
:mod:`cdkg.viz` (HTML graphs and the site); :mod:`cdkg.errors` holds the error types every
layer raises, and :mod:`cdkg.cli` is the command line.  Nothing is imported until it is first
used, so ``import cdkg`` (and ``cdkg --help``) stay fast.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

_API = {
    "build": "cdkg.kg.builder",
    "BuildResult": "cdkg.kg.builder",
    "validate": "cdkg.kg.validation",
    "ValidationReport": "cdkg.kg.validation",
    "reason": "cdkg.kg.reasoning",
    "stats": "cdkg.kg.statistics",
    "Stats": "cdkg.kg.statistics",
    "why": "cdkg.kg.provenance",
    "WhyResult": "cdkg.kg.provenance",
    "find_entity": "cdkg.kg.provenance",
    "search": "cdkg.kg.lookup",
    "Hit": "cdkg.kg.lookup",
    "cite": "cdkg.kg.citations",
    "Citation": "cdkg.kg.citations",
    "release": "cdkg.kg.publisher",
    "Release": "cdkg.kg.publisher",
    "diff": "cdkg.kg.datadiff",
    "DataDiff": "cdkg.kg.datadiff",
    "push": "cdkg.kg.remote",
    "serve": "cdkg.kg.serve",
    "open_store": "cdkg.kg.store",
    "query": ("cdkg.queries", "run"),
    "sparql": ("cdkg.queries", "run_sparql"),
    "gaps": ("cdkg.queries.gaps", "find_gaps"),
    "to_networkx": "cdkg.queries.networkexport",
    "site": "cdkg.viz.site",
    "draft": "cdkg.loaders.drafting",
    "new_source": "cdkg.loaders.drafting",
    "vocab": "cdkg.loaders.vocab",
    "CdkgError": "cdkg.errors",
    "SourceError": "cdkg.errors",
    "UsageError": "cdkg.errors",
    "NotBuiltError": "cdkg.errors",
    "EntityNotFound": "cdkg.errors",
}

#: The RDF serialisations, then the networks, then the sources' records: what :func:`export` writes.
NETWORK_FORMATS = ("graphml", "gexf", "csv")
SOURCE_FORMATS = ("csl-json", "bibtex")
EXPORT_FORMATS: tuple[str, ...] = ("turtle", "ntriples", "nquads", "trig", "jsonld", "owl",
                                   *NETWORK_FORMATS, *SOURCE_FORMATS)

__all__ = sorted([*_API, "export", "EXPORT_FORMATS", "NETWORK_FORMATS", "SOURCE_FORMATS"])


def export(format: str = "turtle", output: Path | str | None = None, *, build: Path | str | None = None,
           with_ontology: bool = False, network: str = "all", lang: str = "en") -> bytes | Path:
    """Export the built graph (``cdkg export``).  With ``output`` the file is written atomically
    and its path returned; without, the serialisation is returned as bytes.

    ``format`` is one of :data:`EXPORT_FORMATS`: an RDF serialisation (:mod:`cdkg.kg.exporter`;
    ``owl`` always holds the ontology), a network — ``graphml``, ``gexf`` or ``csv`` (``nodes.csv``
    and ``edges.csv`` in the folder ``output``) of ``network`` ``all`` or ``organisations``,
    labelled in ``lang`` (:mod:`cdkg.queries.networkexport`) — or every source as ``csl-json`` or
    ``bibtex`` (:mod:`cdkg.kg.citations`).

    Raises :class:`cdkg.errors.NotBuiltError` when nothing is built, :class:`cdkg.errors.UsageError`
    for an unknown format.
    """
    from cdkg.errors import UsageError

    kind = format.lower()
    if network != "all" and kind not in NETWORK_FORMATS:
        raise UsageError(f"--network {network} is for the network formats graphml, gexf and csv, not {format}")
    if kind in NETWORK_FORMATS:
        from cdkg.queries.networkexport import write_network

        return write_network(kind, output, build=build, network=network, lang=lang)
    if kind in SOURCE_FORMATS:
        from cdkg.kg.citations import export_sources

        return export_sources(kind, output, build=build)
    if kind not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    from cdkg.kg.exporter import export as export_rdf

    return export_rdf(kind, output, build=build, with_ontology=with_ontology)


#: The layers, imported on first use as ``cdkg.kg`` etc.
SUBPACKAGES = ("ontology", "loaders", "kg", "queries", "viz", "errors", "cli")


def __getattr__(name: str) -> Any:
    if name == "__version__":  # one source of truth: pyproject.toml, through the installed metadata
        from cdkg.kg.publisher import package_version

        return package_version()
    if name in SUBPACKAGES:
        return import_module(f"cdkg.{name}")
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'cdkg' has no attribute {name!r}")
    module, attribute = target if isinstance(target, tuple) else (target, name)
    return getattr(import_module(module), attribute)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
