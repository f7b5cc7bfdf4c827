"""Curated sources → RDF.  See :mod:`loaders.curated` for the pipeline and
:mod:`loaders.schema` for the file format."""

from loaders.curated import Corpus, SourceSummary, default_sources, load_corpus
from loaders.drafting import draft

__all__ = ["Corpus", "SourceSummary", "default_sources", "draft", "load_corpus"]
