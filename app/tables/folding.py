"""How search compares text: `hub_fold` (migration search_folding) is lower(unaccent(text)), declared IMMUTABLE so
indexes can hold it; `svobodova` finds `Svobodová`. Models declare their folded trigram indexes with
`folded_index_expression`, searches compare `fold(column)` with `fold(pattern)`."""

from __future__ import annotations

from sqlalchemy import func, literal_column


def fold(expression):
    """The expression accent- and case-folded, as the folded indexes hold it."""
    return func.hub_fold(expression)


def folded_index_expression(column_name: str):
    """`hub_fold(<column>)` for an Index of __table_args__, labelled `<column>_folded` (for postgresql_ops)."""
    return fold(literal_column(column_name)).label(f"{column_name}_folded")
