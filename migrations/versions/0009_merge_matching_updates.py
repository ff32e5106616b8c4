"""Merge the matching and progress-update branches

Revision ID: 0009_merge_matching_updates
Revises: 0006_matching, 0008_project_updates
Create Date: 2026-11-22 04:50:00
"""

revision = '0009_merge_matching_updates'
down_revision = ('0006_matching', '0008_project_updates')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
