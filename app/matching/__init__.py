"""Matching funds (配捐): rules per tenant, matching grants posted as receivables and settled."""
