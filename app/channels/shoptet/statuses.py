"""Shoptet order statuses → the hub's normalized status (app/imports/records.py ORDER_STATUSES).

Shoptet numbers an e-shop's statuses itself: system statuses are negative, the merchant's own positive
(API_NOTES §3.2); an order carries its status as `{id, name}`, the name being the shop's own for that id.
The rule, in this order:
1. `-4` is cancelled (Shoptet's "Stornována"; its `order:cancel` webhook fires on it).
2. A name that says it decides: words for cancelled, refunded, failed, processing ("vyřizuje se"),
   new, completed ("vyřízena"; "nevyřízena" is new), on hold ("čeká na platbu", "awaiting payment"), in
   the shop languages the hub meets (cs, sk, de, en, pl, hu). This reads the merchant's own statuses,
   and system ones too: public integrations use -1 "Nevyřízena", -2 "Vyřizuje se", -3 "Vyřízena", while
   the sandbox names -1..-3 differently, so the name wins where it is clear.
3. Otherwise a system id by its Shoptet meaning (-1 new, -2 processing, -3 completed).
4. Otherwise processing: an open order in a state of the merchant's own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CANCELLED_ID = -4
SYSTEM_STATUSES = {-1: "new", -2: "processing", -3: "completed", CANCELLED_ID: "cancelled"}

# (normalized status, words that say it), first match wins; names are compared without diacritics, lowercased.
_SAYS = [
    ("cancelled", r"storn|zrus|cancel|annul|anulow|torol"),
    ("refunded", r"refund|vracen|vratene|dobropis|erstatt|zwrot|visszaterit"),
    ("failed", r"fail|selhal|zlyhal|neuspes|zamitnut|fehlgeschlagen|nieudan|sikertelen"),
    ("processing", r"vyrizuje|vybavuje|bearbeitung|processing|realizacji|feldolgoz"),
    ("new", r"\bnevyrizen|\bnevybaven|\bunerledigt|\bnew\b|\bnova\b|\bnovy\b|\bneu\b|\bpending\b|\bnowe\b"),
    ("completed", r"vyrizen|vybaven|complet|erledigt|dokoncen|zrealizowan|teljesitett|delivered|doruceno"),
    ("on_hold", r"ceka|caka|on.hold|wartet|awaiting|waiting|pozastav|oczekuj|varakozik"),
]
_PATTERNS = [(status, re.compile(words)) for status, words in _SAYS]


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=4096)  # an import asks for the same few (id, name) pairs millions of times
def normalized_status(status_id: int | None, status_name: str | None) -> str:
    if status_id == CANCELLED_ID:
        return "cancelled"
    if status_name:
        plain = _plain(status_name)
        for status, pattern in _PATTERNS:
            if pattern.search(plain):
                return status
    return SYSTEM_STATUSES.get(status_id, "processing")
