"""Time helpers: the database stores naive UTC; the UI shows the tenant's timezone."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_midnight_as_utc(day: date, tz: ZoneInfo) -> datetime:
    """The naive-UTC instant at which ``day`` begins in ``tz``."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC timestamp in the given timezone."""
    return value.replace(tzinfo=UTC).astimezone(tz)
