"""Printed documents (receipts, fund statements, project plans): PDFs rendered with WeasyPrint."""
