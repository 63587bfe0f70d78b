"""Write a snapshot result file without running the server.

    python -m sandbox.generate --kind orders --seed 1 --shop 0 --count 1400000 --out orders.jsonl.gz

Each line is what the sandbox's `/api/<kind>/snapshot` job would write for a shop
of that size (base data, no run-time mutations).  Prints one JSON summary line.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

import orjson

from sandbox.config import DEFAULT_BASE_END, DEFAULT_YEARS, ShopSizes
from sandbox.formats import parse_dt
from sandbox.generator import ShopData
from sandbox.resultfile import write_chunks_gz, write_jsonl_gz

CHUNK_RECORDS = {"orders": 1000, "customers": 5000, "products": 200}


def sizes_for(kind: str, count: int, customers: int | None, products: int | None,
              orders: int | None = None) -> ShopSizes:
    """Shop sizes under which `count` records of `kind` exist.

    Orders depend on the customer and product counts (they reference them), so they
    default to what `python -m sandbox --orders COUNT` derives; customers do not
    depend on anything else; products' stock depends on the demand, so pin
    `--orders` to get the products of a shop with orders.
    """
    if kind == "orders":
        return ShopSizes.derive(count, customers, products)
    if kind == "customers":
        return ShopSizes(orders=orders or 0, customers=count, products=products or 30)
    return ShopSizes(orders=orders or 0, customers=customers or 0, products=count)


def records(shop: ShopData, kind: str, include: frozenset, start: int = 0, stop: int | None = None):
    if kind == "orders":
        return shop.iter_orders(start, stop, include=include)
    if kind == "customers":
        stop = shop.sizes.customers if stop is None else stop
        return (shop.customers.detail(j) for j in range(start, stop))
    stop = shop.sizes.products if stop is None else stop
    return (shop.product_detail(p, include=include) for p in range(start, stop))


# -- parallel generation: worker processes serialise ranges, the parent compresses ---------
_worker: dict = {}


def _init_worker(seed: int, shop: int, sizes: ShopSizes, base_end: int, years: int, kind: str,
                 include: frozenset) -> None:
    _worker.update(shop=ShopData(seed, shop, sizes, base_end=base_end, years=years), kind=kind, include=include)


def _serialise_range(bounds: tuple[int, int]) -> bytes:
    dumps = orjson.dumps
    rows = records(_worker["shop"], _worker["kind"], _worker["include"], *bounds)
    return b"".join(dumps(row) + b"\n" for row in rows)


def write_parallel(args, sizes: ShopSizes, base_end: int, include: frozenset, workers: int) -> tuple[int, int]:
    total = args.count
    step = CHUNK_RECORDS[args.kind]
    ranges = [(start, min(total, start + step)) for start in range(0, total, step)]
    init = (args.seed, args.shop, sizes, base_end, args.years, args.kind, include)
    with multiprocessing.get_context().Pool(workers, initializer=_init_worker, initargs=init) as pool:
        return write_chunks_gz(pool.imap(_serialise_range, ranges), args.out, level=args.level)


def default_workers() -> int:
    """One process per spare core; on two cores the in-process pipeline is as fast."""
    cpus = os.cpu_count() or 1
    return 1 if cpus <= 2 else min(8, cpus - 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=("orders", "customers", "products"), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shop", type=int, default=0, help="shop index (0-based), not eshop id")
    parser.add_argument("--count", type=int, required=True, help="records of --kind in the shop")
    parser.add_argument("--customers", type=int, help="pin the shop's customer count")
    parser.add_argument("--products", type=int, help="pin the shop's product count")
    parser.add_argument("--orders", type=int, help="pin the shop's order count (products, customers)")
    parser.add_argument("--include", default="", help="comma-separated include sections")
    parser.add_argument("--level", type=int, default=1, choices=range(1, 10), metavar="1-9",
                        help="gzip level (default 1: fastest; the server's jobs use 5)")
    parser.add_argument("--base-end", default=None, help="end of generated history (ISO datetime)")
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--workers", type=int, default=None,
                        help="generator processes (default: cores - 1, or 1 on <= 2 cores); output is identical")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    sizes = sizes_for(args.kind, args.count, args.customers, args.products, args.orders)
    base_end = parse_dt(args.base_end) if args.base_end else DEFAULT_BASE_END
    started = time.perf_counter()
    shop = ShopData(args.seed, args.shop, sizes, base_end=base_end, years=args.years)
    include = frozenset(x.strip() for x in args.include.split(",") if x.strip())
    workers = args.workers or default_workers()
    if workers > 1:
        raw, packed = write_parallel(args, sizes, base_end, include, workers)
        count = args.count
    else:
        stats = write_jsonl_gz(records(shop, args.kind, include), args.out, level=args.level)
        raw, packed, count = stats.raw_bytes, stats.gzip_bytes, stats.records
    seconds = time.perf_counter() - started
    summary = {
        "kind": args.kind, "seed": args.seed, "shop": args.shop, "eshop_id": shop.eshop_id,
        "count": count, "out": args.out, "raw_bytes": raw, "gzip_bytes": packed, "workers": workers,
        "seconds": round(seconds, 3), "records_per_second": round(count / seconds) if seconds else None,
        "sizes": sizes.__dict__,
    }
    sys.stdout.write(orjson.dumps(summary).decode() + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
