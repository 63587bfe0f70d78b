"""The merchant's product pool: what its shops sell, shared by all of them.

A merchant running several shops lists mostly the same goods in each: pool item q
is drawn from (seed, q) alone, so shop A's and shop B's slot q are the same
goods (same noun, model, brand, variants, EANs, base price).  Each shop decides
per slot whether it lists the pool item under the merchant's codes, under codes
of its own (the goods then match only by EAN), or sells something of its own
instead (see `catalog.share_of`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sandbox.formats import ean13, mix
from sandbox.generator import kinds, words

# (lead time in days, chance that a replenishment arrives late so the shelf runs empty, margin)
SUPPLIER_TERMS = ((7, 0.20, 0.42), (12, 0.35, 0.38), (5, 0.15, 0.45), (21, 0.45, 0.30),
                  (10, 0.25, 0.40), (14, 0.30, 0.35), (3, 0.10, 0.50), (28, 0.50, 0.28))


@dataclass(slots=True)
class PoolItem:
    key: int
    ptype: str
    noun: int
    adjective: int
    model: str
    category: int
    brand: tuple[str, str] | None
    supplier: int | None
    vat_class: int  # 0 standard, 1 reduced
    base: float  # list price in CZK (incl. VAT) of the first variant
    combos: list[tuple[int | None, str | None]]
    eans: list[str]
    shares: list[float]  # demand share of each variant within the product (sums to 1)
    popularity: float  # relative demand of the product (long tail)
    margin: float  # purchase price / price without VAT
    weights: list[int]  # grams
    dims: list[tuple[int, int, int]]  # tenths of cm
    flag: int | None
    material: int
    images: int


def pool_key(seed: int, q: int) -> int:
    """Key of merchant pool item q (shared by every shop of the sandbox)."""
    return mix(seed, kinds.POOL, q)


def unique_key(seed: int, shop: int, p: int) -> int:
    """Key of the goods only shop `shop` sells in slot p."""
    return mix(seed, shop, kinds.POOL, p)


def make_item(key: int) -> PoolItem:
    rng = random.Random(key)
    r = rng.random()
    ptype = "bazar" if r < 0.02 else "service" if r < 0.03 else "product"
    noun = int(rng.random() * len(words.NOUNS))
    supplier = int(rng.random() * len(words.SUPPLIERS)) if rng.random() < 0.95 else None
    margin_base = SUPPLIER_TERMS[supplier][2] if supplier is not None else 0.4
    item = PoolItem(
        key=key, ptype=ptype, noun=noun,
        adjective=int(rng.random() * len(words.ADJECTIVES)),
        model=f"{words.MODELS[int(rng.random() * len(words.MODELS))]} {1 + int(rng.random() * 40)}",
        category=noun % len(words.CATEGORIES),
        brand=words.BRANDS[int(rng.random() * len(words.BRANDS))] if rng.random() < 0.8 else None,
        supplier=supplier,
        vat_class=0 if rng.random() < 0.85 else 1,
        base=49 * (100 ** rng.random()),  # log-uniform CZK 49..4999
        combos=[], eans=[], shares=[],
        # Log-normal popularity: a few bestsellers, a long tail of slow sellers.
        popularity=math.exp(1.3 * rng.gauss(0.0, 1.0)),
        margin=min(0.8, max(0.2, margin_base + 0.1 * (rng.random() - 0.5))),
        weights=[], dims=[],
        flag=None, material=int(rng.random() * 4), images=1 + int(rng.random() * 4),
    )
    item.flag = int(rng.random() * 3) if rng.random() < 0.2 else None
    n_variants = 1 if rng.random() < 0.5 else 2 + int(rng.random() * 7)
    item.combos = _variant_params(rng, n_variants)
    raw = []
    for k, (_color, size) in enumerate(item.combos):
        item.eans.append(ean13(859_000_000_000 + mix(key, k) % 1_000_000_000))
        item.weights.append(50 + int(rng.random() * 15000))
        item.dims.append((50 + int(rng.random() * 600), 50 + int(rng.random() * 600), 10 + int(rng.random() * 300)))
        middle = 1.6 if size in ("M", "L") else 1.0  # the middle sizes sell best
        raw.append(middle * (0.5 + rng.random()))
    total = sum(raw)
    item.shares = [w / total for w in raw]
    return item


def _variant_params(rng: random.Random, n: int) -> list[tuple[int | None, str | None]]:
    if n == 1:
        return [(None, None)]
    mode = rng.random()
    if mode < 0.4:
        colors = rng.sample(range(len(words.COLORS)), min(n, len(words.COLORS)))
        return [(c, None) for c in colors]
    if mode < 0.7:
        return [(None, s) for s in words.SIZES[: min(n, len(words.SIZES))]]
    color = int(rng.random() * len(words.COLORS))
    other = (color + 1) % len(words.COLORS)
    combos = [(c, s) for c in (color, other) for s in words.SIZES[1:5]]
    return combos[: max(2, n)]


def suffix(color: int | None, size: str | None) -> str:
    parts = []
    if color is not None:
        parts.append(words.COLORS[color][0])
    if size is not None:
        parts.append(size)
    return "-".join(parts)
