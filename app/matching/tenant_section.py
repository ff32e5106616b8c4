"""The [matching] section of a tenant definition (filled in by the matching work)."""
