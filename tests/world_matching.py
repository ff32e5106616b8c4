"""Tenant A's (and B's) matching objects for the isolation and role tests; numbers go in ``world.extra``."""


def give_matching(app, world) -> None:
    """Add A's matching objects (A's numbers must not exist in B) and record them in world.extra."""
