"""scoring: indicator schemes, periods, score sheets and items, deductions, bonuses; the audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:47:21

Scores are stored as integer tenths (app.models.base.Score); datetimes as naive UTC (UTCDateTime).  The audit
table refuses UPDATE and DELETE through triggers, so that a change to the trail needs a deliberate act (dropping
the triggers) and is then caught by the hash chain.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TRIGGERS = {
    "audit_entry_no_update": "UPDATE",
    "audit_entry_no_delete": "DELETE",
}


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('who', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entry'))
    )
    op.create_index('ix_audit_entry_entity', 'audit_entry', ['entity', 'entity_id'])

    op.create_table('indicator_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('total_points', sa.Integer(), nullable=False),
    sa.Column('bonus_ceiling', sa.Integer(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['based_on_id'], ['indicator_scheme.id'], name=op.f('fk_indicator_scheme_based_on_id_indicator_scheme'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_scheme')),
    sa.UniqueConstraint('year', 'version', name=op.f('uq_indicator_scheme_year'))
    )
    op.create_table('indicator_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('is_bonus', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], ['indicator_scheme.id'], name=op.f('fk_indicator_category_scheme_id_indicator_scheme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_category'))
    )
    op.create_index('ix_indicator_category_scheme_id', 'indicator_category', ['scheme_id'])

    op.create_table('period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.Enum('月', '季', '年', name='periodkind', native_enum=False, length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('quarter', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('草稿', '已复核', '已锁定', name='periodstate', native_enum=False, length=20), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['scheme_id'], ['indicator_scheme.id'], name=op.f('fk_period_scheme_id_indicator_scheme'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period')),
    sa.UniqueConstraint('key', name=op.f('uq_period_key'))
    )
    op.create_index('ix_period_scheme_id', 'period', ['scheme_id'])

    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('扣分', '加分', '一票否决', name='indicatormethod', native_enum=False, length=20), nullable=False),
    sa.Column('per_occurrence', sa.Integer(), nullable=False),
    sa.Column('cap', sa.Integer(), nullable=True),
    sa.Column('evidence_required', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['based_on_id'], ['indicator.id'], name=op.f('fk_indicator_based_on_id_indicator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['indicator_category.id'], name=op.f('fk_indicator_category_id_indicator_category'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator'))
    )
    op.create_index('ix_indicator_category_id', 'indicator', ['category_id'])

    op.create_table('score_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=60), nullable=False),
    sa.Column('review_total', sa.Integer(), nullable=False),
    sa.Column('bonus_total', sa.Integer(), nullable=False),
    sa.Column('self_total', sa.Integer(), nullable=True),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_score_sheet_period_id_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_score_sheet_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_sheet')),
    sa.UniqueConstraint('period_id', 'unit_id', name=op.f('uq_score_sheet_period_id'))
    )
    op.create_index('ix_score_sheet_unit', 'score_sheet', ['unit_id'])

    op.create_table('score_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('review_score', sa.Integer(), nullable=False),
    sa.Column('self_score', sa.Integer(), nullable=True),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('veto_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_score_item_indicator_id_indicator'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sheet_id'], ['score_sheet.id'], name=op.f('fk_score_item_sheet_id_score_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_item')),
    sa.UniqueConstraint('sheet_id', 'indicator_id', name=op.f('uq_score_item_sheet_id'))
    )
    op.create_index('ix_score_item_indicator', 'score_item', ['indicator_id'])

    op.create_table('suggestion_rejection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rejected_at', sa.DateTime(), nullable=False),
    sa.Column('rejected_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['score_sheet.id'], name=op.f('fk_suggestion_rejection_sheet_id_score_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_rejection')),
    sa.UniqueConstraint('sheet_id', 'source', name=op.f('uq_suggestion_rejection_sheet_id'))
    )
    op.create_table('bonus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('points_each', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=False),
    sa.Column('evidence_file', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['score_item.id'], name=op.f('fk_bonus_item_id_score_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus'))
    )
    op.create_index('ix_bonus_item_id', 'bonus', ['item_id'])

    op.create_table('deduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('points_each', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_note', sa.Text(), nullable=False),
    sa.Column('evidence_file', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['score_item.id'], name=op.f('fk_deduction_item_id_score_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deduction'))
    )
    op.create_index('ix_deduction_item_id', 'deduction', ['item_id'])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '审计日志只能追加，不能修改或删除'; END $$"
        )
        for name, event in AUDIT_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON audit_entry "
                       "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
        # TRUNCATE bypasses row triggers: refuse it too.
        op.execute("CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()")
        return
    for name, event in AUDIT_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON audit_entry "
            f"BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除'); END"
        )



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in [*AUDIT_TRIGGERS, "audit_entry_no_truncate"]:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        for name in AUDIT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_deduction_item_id', table_name='deduction')
    op.drop_table('deduction')
    op.drop_index('ix_bonus_item_id', table_name='bonus')
    op.drop_table('bonus')
    op.drop_table('suggestion_rejection')
    op.drop_index('ix_score_item_indicator', table_name='score_item')
    op.drop_table('score_item')
    op.drop_index('ix_score_sheet_unit', table_name='score_sheet')
    op.drop_table('score_sheet')
    op.drop_index('ix_indicator_category_id', table_name='indicator')
    op.drop_table('indicator')
    op.drop_index('ix_period_scheme_id', table_name='period')
    op.drop_table('period')
    op.drop_index('ix_indicator_category_scheme_id', table_name='indicator_category')
    op.drop_table('indicator_category')
    op.drop_table('indicator_scheme')
    op.drop_index('ix_audit_entry_entity', table_name='audit_entry')
    op.drop_table('audit_entry')
