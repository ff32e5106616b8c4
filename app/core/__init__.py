"""Shared web plumbing: htmx responses, security headers, errors, paging, uploads."""
