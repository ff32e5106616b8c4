"""The [approval] section of a tenant definition (filled in by the spending work)."""
