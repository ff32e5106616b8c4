"""An invoice of a rejected or withdrawn request may be attached again: storage keys are no longer unique,
and long enough for any tenant id (like need photos' keys)

Revision ID: 0013_invoice_reuse
Revises: 0012_closeout
Create Date: 2026-12-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0013_invoice_reuse'
down_revision = '0012_closeout'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('spending_attachments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_spending_attachments_storage_key', type_='unique')
        batch_op.alter_column('storage_key', existing_type=sa.String(length=80), type_=sa.String(length=120),
                              existing_nullable=False)
        batch_op.create_index('ix_spending_attachments_storage_key', ['storage_key'], unique=False)


def downgrade():
    with op.batch_alter_table('spending_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_spending_attachments_storage_key')
        batch_op.alter_column('storage_key', existing_type=sa.String(length=120), type_=sa.String(length=80),
                              existing_nullable=False)
        batch_op.create_unique_constraint('uq_spending_attachments_storage_key', ['storage_key'])
