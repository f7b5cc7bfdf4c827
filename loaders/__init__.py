"""Curated sources → RDF.  See :mod:`cdkg.loaders.curated` for the pipeline and
:mod:`cdkg.loaders.schema` for the file format."""

from cdkg.loaders.curated import Corpus, SourceSummary, default_sources, load_corpus
from cdkg.loaders.drafting import draft

__all__ = ["Corpus", "SourceSummary", "default_sources", "draft", "load_corpus"]
