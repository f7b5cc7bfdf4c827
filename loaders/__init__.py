"""Curated sources → RDF.  See :mod:`loaders.curated` for the pipeline and
:mod:`loaders.schema` for the file format."""

from loaders.curated import Corpus, SourceSummary, default_sources, load_corpus

__all__ = ["Corpus", "SourceSummary", "default_sources", "load_corpus"]
