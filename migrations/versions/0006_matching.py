"""Matching funds: grants owed by matching bodies until they pay, budget used per rule and year, rates per project

Revision ID: 0006_matching
Revises: 0005_project_fundraising
Create Date: 2026-11-22 03:48:27.656677

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_matching'
down_revision = '0005_project_fundraising'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matching_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('used_fen', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_matching_budgets_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_budgets')),
    sa.UniqueConstraint('tenant_id', 'rule_key', 'year', name=op.f('uq_matching_budgets_tenant_id_rule_key_year'))
    )
    with op.batch_alter_table('matching_budgets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_budgets_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('matching_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sa.String(length=40), nullable=False),
    sa.Column('body', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('through_donation_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('base_fen', sa.BigInteger(), nullable=False),
    sa.Column('brackets', sa.JSON(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('settlement_entry_id', sa.Integer(), nullable=True),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('donation', 'close', 'correction')", name=op.f('ck_matching_grants_kind')),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_matching_grants_nonzero')),
    sa.ForeignKeyConstraint(['corrects_id'], ['matching_grants.id'], name=op.f('fk_matching_grants_corrects_id_matching_grants'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_matching_grants_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_matching_grants_donation_id_donations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_matching_grants_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_matching_grants_fund_id_funds'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_matching_grants_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'], name=op.f('fk_matching_grants_settled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['settlement_entry_id'], ['journal_entries.id'], name=op.f('fk_matching_grants_settlement_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_matching_grants_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_grants')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_matching_grants_tenant_id_number'))
    )
    with op.batch_alter_table('matching_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_grants_donation_id'), ['donation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_grants_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_grants_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_matching_grants_tenant_rule_project', ['tenant_id', 'rule_key', 'project_id'], unique=False)

    op.create_table('matching_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sa.String(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('rate_percent', sa.Integer(), nullable=False),
    sa.Column('chosen_by_id', sa.Integer(), nullable=True),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_matching_rates_chosen_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_matching_rates_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_matching_rates_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_rates')),
    sa.UniqueConstraint('project_id', 'rule_key', name=op.f('uq_matching_rates_project_id_rule_key'))
    )
    with op.batch_alter_table('matching_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_rates_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_rates_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('matching_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_rates_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_matching_rates_project_id'))

    op.drop_table('matching_rates')
    with op.batch_alter_table('matching_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_matching_grants_tenant_rule_project')
        batch_op.drop_index(batch_op.f('ix_matching_grants_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_matching_grants_project_id'))
        batch_op.drop_index(batch_op.f('ix_matching_grants_donation_id'))

    op.drop_table('matching_grants')
    with op.batch_alter_table('matching_budgets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_budgets_tenant_id'))

    op.drop_table('matching_budgets')
