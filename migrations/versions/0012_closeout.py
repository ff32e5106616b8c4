"""Close-out of projects (actual results, beneficiaries, evaluation) and leftover restricted money moved at close or cancel

Revision ID: 0012_closeout
Revises: 0011_spending_category
Create Date: 2026-12-04 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_closeout'
down_revision = '0011_spending_category'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closeouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('actuals', sa.JSON(), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=True),
    sa.Column('beneficiaries_note', sa.String(length=300), nullable=False),
    sa.Column('survey_responses', sa.Integer(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('evaluation_note', sa.Text(), nullable=False),
    sa.Column('leftover_rule', sa.String(length=10), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_closeouts_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_closeouts_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_closeouts_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_closeouts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closeouts')),
    sa.UniqueConstraint('project_id', name=op.f('uq_closeouts_project_id'))
    )
    with op.batch_alter_table('closeouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closeouts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('leftover_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('to_project_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('occasion', sa.String(length=10), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("amount_fen > 0", name=op.f('ck_leftover_transfers_positive')),
    sa.CheckConstraint("occasion IN ('close', 'cancel')", name=op.f('ck_leftover_transfers_occasion')),
    sa.CheckConstraint("to_project_id IS NULL OR to_project_id <> project_id", name=op.f('ck_leftover_transfers_not_itself')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_leftover_transfers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_leftover_transfers_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_leftover_transfers_fund_id_funds'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_leftover_transfers_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_leftover_transfers_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_project_id'], ['projects.id'], name=op.f('fk_leftover_transfers_to_project_id_projects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leftover_transfers')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_leftover_transfers_entry_id'))
    )
    with op.batch_alter_table('leftover_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leftover_transfers_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leftover_transfers_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leftover_transfers_to_project_id'), ['to_project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('leftover_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leftover_transfers_to_project_id'))
        batch_op.drop_index(batch_op.f('ix_leftover_transfers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_leftover_transfers_project_id'))

    op.drop_table('leftover_transfers')
    with op.batch_alter_table('closeouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closeouts_tenant_id'))

    op.drop_table('closeouts')
