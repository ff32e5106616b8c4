"""Spending requests name the purpose (使用范围) they serve, so a fund's purposes can be checked

Revision ID: 0011_spending_category
Revises: 0010_spending
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_spending_category'
down_revision = '0010_spending'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('spending_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('spending_requests', schema=None) as batch_op:
        batch_op.drop_column('category')
