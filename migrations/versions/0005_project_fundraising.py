"""Fundraising: project restricted accounts per fund, donations designated to a project, fundraising end date

Revision ID: 0005_project_fundraising
Revises: 0004_needs_projects_council
Create Date: 2026-11-22 03:27:46.432155

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_project_fundraising'
down_revision = '0004_needs_projects_council'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('donation_designations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donation_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['donation_id'], ['donations.id'], name=op.f('fk_donation_designations_donation_id_donations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_donation_designations_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_donation_designations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donation_designations')),
    sa.UniqueConstraint('donation_id', name=op.f('uq_donation_designations_donation_id'))
    )
    with op.batch_alter_table('donation_designations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donation_designations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donation_designations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('project_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_project_accounts_account_id_ledger_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_project_accounts_fund_id_funds'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_accounts_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_accounts_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_accounts')),
    sa.UniqueConstraint('account_id', name=op.f('uq_project_accounts_account_id')),
    sa.UniqueConstraint('project_id', 'fund_id', name=op.f('uq_project_accounts_project_id_fund_id'))
    )
    with op.batch_alter_table('project_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.add_column('projects', sa.Column('fundraising_ends_on', sa.Date(), nullable=True))



def downgrade():
    op.drop_column('projects', 'fundraising_ends_on')

    with op.batch_alter_table('project_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_accounts_tenant_id'))

    op.drop_table('project_accounts')
    with op.batch_alter_table('donation_designations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donation_designations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_donation_designations_project_id'))

    op.drop_table('donation_designations')
