"""web accounts: password, active flag, lockout on user; web_session

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 08:15:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', models.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', models.tables.UTCDateTime(timezone=True), nullable=True))

    op.create_table('web_session',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
    op.drop_table('web_session')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('active')
        batch_op.drop_column('password_hash')
