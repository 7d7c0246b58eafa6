"""Entity resolution, the link graph, leads and lead reports."""
