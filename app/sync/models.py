"""The run ledger: every import and sync is a row here; RQ only carries "run N now".

A run is active while queued, running or retrying; the partial unique index allows one active run per
(shop, kind), so a second trigger finds the first instead of starting a twin. A worker claims a run by
bumping `lease_token` and must renew `lease_expires_at`; every batch it commits re-checks the token
(a fence), so a worker that lost its lease (paused, partitioned) cannot write after another took over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin

ACTIVE_STATUSES = ("queued", "running", "retrying")
ACTIVE_RUN_SQL = "status IN ('queued', 'running', 'retrying')"  # the partial indexes' predicate, as literal SQL
TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")


class SyncRun(IdMixin, Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("uq_sync_runs_one_active", "shop_id", "kind", unique=True,
              postgresql_where=text(ACTIVE_RUN_SQL)),
        Index("ix_sync_runs_shop_kind_created", "shop_id", "kind", "created_at"),
        Index("ix_sync_runs_active_lease", "status", "lease_expires_at",
              postgresql_where=text(ACTIVE_RUN_SQL)),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # orders | customers | products | stock (changes only)
    mode: Mapped[str] = mapped_column(String(20), default="snapshot")  # snapshot (a full import) | file | changes
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    progress_done: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    checkpoint: Mapped[dict] = mapped_column(JSONB, default=dict)
    stats: Mapped[dict] = mapped_column(JSONB, default=dict)  # inserted, updated, unchanged, bad_lines
    remote_job_id: Mapped[str | None] = mapped_column(String(40))
    source_path: Mapped[str | None] = mapped_column(Text)  # local file for mode=file
    error: Mapped[str | None] = mapped_column(Text)
    lease_token: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    shop = relationship("Shop")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ImportBadLine(IdMixin, Base):
    """A snapshot line that could not be imported, kept with its number so a person can look at it."""

    __tablename__ = "import_bad_lines"
    __table_args__ = (Index("uq_import_bad_lines_run_line", "run_id", "line_no", unique=True),)

    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)  # at most the first 10 kB of the line


class SyncCursor(Base):
    """Where a shop's incremental sync of one stream stands.

    `watermark` is the change time up to which everything is in the hub (read before fetching, written
    only in the transaction that commits the data); `last_id` is the stock-movement cursor. `dirty_at`
    is set when a webhook says something changed, so a sync follows even if one was running.
    """

    __tablename__ = "sync_cursors"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(40), primary_key=True)  # orders | customers | products | stock:<id>
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_id: Mapped[int | None] = mapped_column(BigInteger)
    dirty_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fallback_reason: Mapped[str | None] = mapped_column(Text)  # why the last sync fell back to a snapshot
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
