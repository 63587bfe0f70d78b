"""The WooCommerce client walking every order of a sandbox store, against a plain loop over the same pages.

    python -m bench.woo_paging_bench --orders 200000

1. Starts `python -m sandbox.woocommerce` with N orders and waits until its order index is built.
2. client: `WooClient.walk_modified("/orders")` over HTTPS with Basic auth (the incremental-sync walk:
   keyset restarts from the cursor's second, offsets inside crowded seconds); every request URL is recorded.
3. limit: a bare `httpx.Client` GETs exactly those URLs and parses each page with orjson, nothing else: the
   floor for fetching the same pages from the same store on the same machine.
4. Prints orders walked, requests made against the minimum ceil(total/100), both wall times and their ratio,
   and the CPU time this process spent on each (the store runs in another process, so this is the client's
   own cost against the bare loop's).  With --repeat the two alternate and the best of each counts (the
   machine is shared).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import httpx
import orjson

from app.woocommerce import WooClient
from sandbox.woocommerce.testing import run_woo_sandbox


def walk(store, urls: list[str]) -> tuple[float, float, int, object]:
    http = httpx.Client(verify=store.tls_context(), timeout=120.0, trust_env=False,
                        event_hooks={"request": [lambda request: urls.append(str(request.url))]})
    client = WooClient(store.https_url, store.consumer_key, store.consumer_secret, http=http)
    started, cpu = time.perf_counter(), time.process_time()
    walker = client.walk_modified("/orders")
    count = sum(1 for _ in walker)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    http.close()
    return elapsed, cpu, count, walker.stats


def limit(store, urls: list[str]) -> tuple[float, float, int]:
    with httpx.Client(verify=store.tls_context(), timeout=120.0, trust_env=False,
                      auth=(store.consumer_key, store.consumer_secret)) as http:
        started, cpu = time.perf_counter(), time.process_time()
        items = 0
        for url in urls:
            response = http.get(url)
            response.raise_for_status()
            items += len(orjson.loads(response.content))
        return time.perf_counter() - started, time.process_time() - cpu, items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.woo_paging_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="alternate client and limit this many times")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.repeat < 1:
        print("error: --orders and --repeat must be at least 1", file=sys.stderr)
        return 2
    with run_woo_sandbox(seed=args.seed, orders=args.orders) as store:
        started = time.perf_counter()
        with httpx.Client(verify=store.tls_context(), timeout=600.0, trust_env=False,
                          auth=(store.consumer_key, store.consumer_secret)) as warm:
            total = int(warm.get(store.api_url("/orders", tls=True),
                                 params={"per_page": 1, "orderby": "modified"}).headers["X-WP-Total"])
        print(f"store: {args.orders} orders ({total} listed by status=any), index ready in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        best_walk = best_limit = best_walk_cpu = best_limit_cpu = math.inf
        for run in range(args.repeat):
            urls: list[str] = []
            walk_s, walk_cpu, walked, stats = walk(store, urls)
            limit_s, limit_cpu, fetched = limit(store, urls)
            best_walk, best_limit = min(best_walk, walk_s), min(best_limit, limit_s)
            best_walk_cpu, best_limit_cpu = min(best_walk_cpu, walk_cpu), min(best_limit_cpu, limit_cpu)
            print(f"run {run + 1}: client {walk_s:.1f} s ({walk_cpu:.1f} s CPU), limit {limit_s:.1f} s "
                  f"({limit_cpu:.1f} s CPU)", flush=True)
        minimum = math.ceil(total / 100)
        print(f"orders walked: {walked} (expected {total}); re-read {stats.reread}, restarts {stats.restarts}")
        print(f"requests: {stats.requests} made, minimum {minimum} (ceil(total/100)), "
              f"ratio {stats.requests / minimum:.3f}")
        print(f"time: client {best_walk:.1f} s ({walked / best_walk:,.0f} orders/s), limit {best_limit:.1f} s "
              f"({fetched / best_limit:,.0f} orders/s, same {len(urls)} pages), ratio client/limit "
              f"{best_walk / best_limit:.2f}")
        print(f"client-side CPU: client {best_walk_cpu:.1f} s, limit {best_limit_cpu:.1f} s, ratio "
              f"{best_walk_cpu / best_limit_cpu:.2f} ({1000 * (best_walk_cpu - best_limit_cpu) / stats.requests:.1f} "
              f"ms more per page)")
        return 0 if walked == total else 1


if __name__ == "__main__":
    sys.exit(main())
