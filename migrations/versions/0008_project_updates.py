"""Progress updates of projects (text, percent done, photos)

Revision ID: 0008_project_updates
Revises: 0005_project_fundraising
Create Date: 2026-11-22 03:45:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_project_updates'
down_revision = '0005_project_fundraising'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('percent_done', sa.Integer(), nullable=False),
    sa.Column('photo_keys', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_project_updates_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_updates_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_project_updates_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_updates'))
    )
    op.create_index(op.f('ix_project_updates_project_id'), 'project_updates', ['project_id'], unique=False)
    op.create_index(op.f('ix_project_updates_tenant_id'), 'project_updates', ['tenant_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_project_updates_tenant_id'), table_name='project_updates')
    op.drop_index(op.f('ix_project_updates_project_id'), table_name='project_updates')
    op.drop_table('project_updates')
