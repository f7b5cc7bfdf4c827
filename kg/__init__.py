"""The store layer of cdkg: build the graph from curated sources, hold it (pyoxigraph), export
it, reason over it, and speak SPARQL to other endpoints.

Its functions are the library's public API through :mod:`cdkg` (``cdkg.build()``,
``cdkg.stats()``, ``cdkg.why()`` …).  Modules are named for their stage (``builder``,
``exporter``, ``statistics``, ``provenance``, ``publisher`` for ``release``, ``datadiff`` for
``diff``), so that importing one never hides the function of the same name.
"""
