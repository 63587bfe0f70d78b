"""Pushing planned values to a follower in batches of Shoptet's limit, each batch's outcome kept at once (the
same loop for stock and prices: only what is sent and which pair columns record it differ)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.channels.base import ChannelError
from app.master.models import VariantPair

BATCH = 300  # Shoptet takes at most 300 stock movements or price list rows a call


def push_in_batches(session: Session, changes: list, send: Callable[[dict], Any],
                    recorded: Callable[[Any], dict], result, committed: Callable[[], None] | None) -> int:
    """Send `{follower_code: desired}` per batch; a pushed value is written to its pair (`recorded(item)` gives the
    columns), a refused one lands in `result.errors`. Returns how many values changed in the follower."""
    changed = 0
    for start in range(0, len(changes), BATCH):
        batch = {item.follower_code: item for item in changes[start:start + BATCH]}
        try:
            pushed = send({code: item.desired for code, item in batch.items()})
        except ChannelError as exc:
            result.failed += len(batch)
            result.errors.update({code: str(exc) for code in batch})
            continue
        if pushed.changed:
            session.execute(update(VariantPair), [{"id": batch[code].pair_id, **recorded(batch[code])}
                                                  for code in pushed.changed])
        changed += len(pushed.changed)
        result.failed += len(pushed.failed)
        result.errors.update(pushed.failed)
        if committed:
            committed()  # each batch's pushes are kept at once: a crash later never loses what was sent
    return changed
