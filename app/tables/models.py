"""What the tables keep for people: saved views (named query strings) and CSV exports (the export job's ledger)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin


class SavedView(IdMixin, TimestampMixin, Base):
    """A named query string of a table: the user's own, or shared in the organization."""

    __tablename__ = "saved_views"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", "table_name", "name"),
        Index("ix_saved_views_org_table", "organization_id", "table_name"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(20))  # a declared table's name (app/tables/registry.py)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)  # filters, sort and columns; never a cursor
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class TableExport(IdMixin, Base):
    """A CSV export of a table's filter, written in the background; the row is the progress the page polls."""

    __tablename__ = "table_exports"
    __table_args__ = (Index("ix_table_exports_org_created", "organization_id", "created_at"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    table_name: Mapped[str] = mapped_column(String(20))  # a declared table's name
    query: Mapped[str] = mapped_column(Text)  # the filter's query string
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_estimate: Mapped[int | None] = mapped_column(BigInteger)
    # An audience export (app/analytics/audiences.py): only customers whose shop recorded marketing consent;
    # how many of the filter's customers were left out for want of it.
    consent_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    left_out: Mapped[int | None] = mapped_column(BigInteger)
    file_path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
