"""Named SPARQL queries and network analyses over the built graph (see the query-library issue)."""
