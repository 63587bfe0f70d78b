"""`python -m sandbox`: build the sandbox, bind, print one JSON line, serve until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

import orjson
from werkzeug.serving import make_server

from sandbox.app import create_app
from sandbox.config import DEFAULT_BASE_END, DEFAULT_YEARS, SCALES, SandboxConfig
from sandbox.formats import parse_dt
from sandbox.runtime import Sandbox


def parse_args(argv: list[str] | None) -> SandboxConfig:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Shoptet REST API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", choices=sorted(SCALES), help="size preset (explicit options win)")
    parser.add_argument("--shops", type=int)
    parser.add_argument("--orders", type=int, help="orders per shop")
    parser.add_argument("--customers", type=int, help="customers per shop (default derived from --orders)")
    parser.add_argument("--products", type=int, help="products per shop (default derived from --orders)")
    parser.add_argument("--base-end", help="end of generated history, ISO datetime (default 2026-01-01)")
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--faults", default="", help='JSON: {"shop": id|null, "slow_ms": 100, ...} or a list')
    parser.add_argument("--token-ttl", type=float, default=1800.0, help="API access token lifetime (s)")
    parser.add_argument("--max-in-flight", type=int, default=3, help="concurrent requests per token")
    parser.add_argument("--bucket-size", type=float, default=200.0, help="leaky bucket size (drops)")
    parser.add_argument("--bucket-leak", type=float, default=10.0, help="leaky bucket leak (drops/s)")
    parser.add_argument("--webhook-retry-seconds", type=float, default=1.0, help="delay before a webhook retry")
    parser.add_argument("--webhook-timeout", type=float, default=4.0)
    parser.add_argument("--webhook-attempts", type=int, default=3)
    parser.add_argument("--job-delay", type=float, default=0.2, help="seconds a snapshot job stays pending")
    parser.add_argument("--job-poll-limit", type=int, default=10)
    parser.add_argument("--result-ttl", type=float, default=86400.0, help="validity of result files (s)")
    parser.add_argument("--gzip-level", type=int, default=5)
    parser.add_argument("--result-dir")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the parent process dies (used by sandbox.testing)")
    args = parser.parse_args(argv)

    preset = SCALES.get(args.scale or "", {})
    config = SandboxConfig(
        seed=args.seed,
        shops=args.shops if args.shops is not None else preset.get("shops", 2),
        orders=args.orders if args.orders is not None else preset.get("orders", 200),
        customers=args.customers if args.customers is not None else preset.get("customers"),
        products=args.products if args.products is not None else preset.get("products"),
        base_end=parse_dt(args.base_end) if args.base_end else DEFAULT_BASE_END,
        years=args.years, host=args.host, port=args.port,
        faults=orjson.loads(args.faults) if args.faults else {},
        token_ttl=args.token_ttl, max_in_flight=args.max_in_flight, bucket_size=args.bucket_size,
        bucket_leak=args.bucket_leak, webhook_retry_seconds=args.webhook_retry_seconds,
        webhook_timeout=args.webhook_timeout, webhook_attempts=args.webhook_attempts, job_delay=args.job_delay,
        job_poll_limit=args.job_poll_limit, result_ttl=args.result_ttl, gzip_level=args.gzip_level,
        result_dir=args.result_dir, verbose=args.verbose, exit_with_parent=args.exit_with_parent,
    )
    if config.shops < 1 or config.orders < 0:
        parser.error("--shops must be >= 1 and --orders >= 0")
    return config


def _watch_parent(server) -> None:
    """A killed test runner must not leave sandboxes behind: orphans get re-parented."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1.0)
    server.shutdown()


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO if config.verbose else logging.WARNING, stream=sys.stderr)
    if not config.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sandbox = Sandbox(config)
    app = create_app(sandbox)
    server = make_server(config.host, config.port, app, threaded=True)
    server.daemon_threads = True
    sandbox.base_url = f"http://{config.host}:{server.server_port}"

    def shutdown(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if config.exit_with_parent:
        threading.Thread(target=_watch_parent, args=(server,), name="parent-watch", daemon=True).start()
    sys.stdout.write(orjson.dumps(sandbox.describe()).decode() + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        sandbox.stop()
        server.server_close()
    return 0
