"""Tenant A's (and B's) spending objects for the isolation and role tests; numbers go in ``world.extra``."""


def give_spending(app, world) -> None:
    """Add A's spending objects (A's numbers must not exist in B) and record them in world.extra."""
