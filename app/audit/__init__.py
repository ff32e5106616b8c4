"""Audit log: every state change, with who, what, before and after."""
