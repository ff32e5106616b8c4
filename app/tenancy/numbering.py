"""Per-tenant human numbers (``/c/tiexi/projects/12``) taken from an atomic counter."""

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from app.extensions import db
from app.tenancy.scoping import TenantScoped


class TenantCounter(db.Model):
    """Last number handed out per tenant and kind of object (platform-level table)."""

    __tablename__ = "tenant_counters"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


class Numbered(TenantScoped):
    """Mixin: a tenant-scoped row with a ``number`` unique within its tenant."""

    __counter_name__: str

    number: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "number"),)


def next_number(connection, tenant_id: int, name: str) -> int:
    """Take the next number in one atomic upsert (row-locked on PostgreSQL)."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = TenantCounter.__table__
    statement = (
        dialect_insert(table)
        .values(tenant_id=tenant_id, name=name, value=1)
        .on_conflict_do_update(index_elements=[table.c.tenant_id, table.c.name], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    return connection.execute(statement).scalar_one()


def _assign_numbers(session: Session, flush_context, instances) -> None:
    for obj in session.new:
        if isinstance(obj, Numbered) and obj.number is None:
            obj.number = next_number(session.connection(), obj.tenant_id, obj.__counter_name__)


def install_numbering(session_class: type[Session]) -> None:
    """Register after tenant scoping so ``tenant_id`` is already filled in."""
    if not event.contains(session_class, "before_flush", _assign_numbers):
        event.listen(session_class, "before_flush", _assign_numbers)
