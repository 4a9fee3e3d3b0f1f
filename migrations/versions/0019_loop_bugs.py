"""the loop's rough edges: « ne répond pas », one acceptance in force, quoted e-mails, ripeness told

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deminage") as batch_op:
        batch_op.add_column(sa.Column("dismissed_at", app.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("dismissed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("dismissed_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_deminage_dismissed_by_id_user", "user", ["dismissed_by_id"], ["id"]
        )
    with op.batch_alter_table("notification") as batch_op:
        batch_op.add_column(sa.Column("mine_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deminage_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_notification_mine_id_mine", "mine", ["mine_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_notification_deminage_id_deminage", "deminage", ["deminage_id"], ["id"]
        )
    op.add_column(
        "outbox_message", sa.Column("html_body", sa.Text(), nullable=False, server_default="")
    )
    # Plain ADD COLUMN: a batch copy of the idea table would write its computed board_group.
    op.add_column(
        "idea", sa.Column("ripe_announced_at", app.models.base.UTCDateTime(), nullable=True)
    )
    # Ideas ripe today ripened before this was told: nobody is told of an old ripening. Those
    # still waiting for their quiet period will be, when it ends.
    now = datetime.now(UTC).replace(tzinfo=None)  # stored naive UTC (app.models.base)
    op.execute(
        sa.text(
            "UPDATE idea SET ripe_announced_at = ripe_from "
            "WHERE status = 'open' AND ripe_from IS NOT NULL AND ripe_from <= :now"
        ).bindparams(sa.bindparam("now", now, type_=sa.DateTime()))
    )
    # One acceptance in force per mine, and only while it is defused: a reopen used to leave
    # the old one « accepté ». Of a defused mine's accepted answers, the last accepted stays.
    op.execute(
        "UPDATE deminage SET accepted = false WHERE accepted AND mine_id IN "
        "(SELECT id FROM mine WHERE status <> 'defused')"
    )
    op.execute(
        "UPDATE deminage SET accepted = false WHERE accepted AND EXISTS ("
        "SELECT 1 FROM deminage AS later WHERE later.mine_id = deminage.mine_id "
        "AND later.accepted AND later.id <> deminage.id AND ("
        "later.accepted_at > deminage.accepted_at "
        "OR (later.accepted_at = deminage.accepted_at AND later.id > deminage.id)))"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE idea DROP COLUMN ripe_announced_at")
    op.drop_column("outbox_message", "html_body")
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint("fk_notification_deminage_id_deminage", type_="foreignkey")
        batch_op.drop_constraint("fk_notification_mine_id_mine", type_="foreignkey")
        batch_op.drop_column("deminage_id")
        batch_op.drop_column("mine_id")
    with op.batch_alter_table("deminage") as batch_op:
        batch_op.drop_constraint("fk_deminage_dismissed_by_id_user", type_="foreignkey")
        batch_op.drop_column("dismissed_reason")
        batch_op.drop_column("dismissed_by_id")
        batch_op.drop_column("dismissed_at")
