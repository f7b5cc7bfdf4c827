"""Interactive, offline HTML views of the graph (see the visualisation issue)."""
