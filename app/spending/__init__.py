"""Spending: disbursement requests against budget lines, approvals, payment from restricted money."""
