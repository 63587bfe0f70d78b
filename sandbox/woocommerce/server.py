"""`python -m sandbox.woocommerce`: build the store, listen on HTTP and HTTPS, print one JSON line, serve."""

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

from sandbox.formats import parse_dt
from sandbox.woocommerce.app import create_app
from sandbox.woocommerce.config import WooConfig
from sandbox.woocommerce.runtime import WooSandbox
from sandbox.woocommerce.tls import make_certificate, remove_certificate, server_context


def parse_args(argv: list[str] | None) -> WooConfig:
    parser = argparse.ArgumentParser(prog="python -m sandbox.woocommerce", description="WooCommerce REST API simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="plain HTTP port (OAuth 1.0a); 0 picks a free one")
    parser.add_argument("--tls-port", type=int, default=0, help="HTTPS port (HTTP Basic); 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--customers", type=int, help="default derived from --orders")
    parser.add_argument("--products", type=int, help="default derived from --orders")
    parser.add_argument("--years", type=int, default=3, help="length of the generated history")
    parser.add_argument("--base-end", help="end of the generated history, ISO datetime (default 2026-01-01)")
    parser.add_argument("--timezone", default="Europe/Prague", help="the store's time zone (date_* fields)")
    parser.add_argument("--migration-share", type=float, default=0.08,
                        help="share of orders whose date_modified an old migration set to one second")
    parser.add_argument("--trust-forwarded-proto", action="store_true",
                        help="treat X-Forwarded-Proto: https as TLS (a store behind a configured proxy)")
    parser.add_argument("--faults", default="", help='JSON object of fault switches, e.g. {"slow_ms": 100}')
    parser.add_argument("--webhook-delay", type=float, default=0.2, help="seconds before a queued delivery runs")
    parser.add_argument("--webhook-timeout", type=float, default=5.0)
    parser.add_argument("--webhook-max-failures", type=int, default=5)
    parser.add_argument("--auto-approve", action="store_true", help="wc-auth grants without the merchant's click")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when the parent process dies (used by sandbox.woocommerce.testing)")
    args = parser.parse_args(argv)
    if args.orders < 0 or args.years < 1:
        parser.error("--orders must be >= 0 and --years >= 1")
    try:
        faults = orjson.loads(args.faults) if args.faults else {}
    except orjson.JSONDecodeError as exc:
        parser.error(f"--faults is not JSON: {exc}")
    if not isinstance(faults, dict):
        parser.error("--faults must be a JSON object")
    config = WooConfig(
        seed=args.seed, orders=args.orders, customers=args.customers, products=args.products, years=args.years,
        timezone=args.timezone, migration_share=args.migration_share, host=args.host, port=args.port,
        tls_port=args.tls_port, trust_forwarded_proto=args.trust_forwarded_proto, faults=faults,
        webhook_delay=args.webhook_delay, webhook_timeout=args.webhook_timeout,
        webhook_max_failures=args.webhook_max_failures, auto_approve=args.auto_approve, verbose=args.verbose,
        exit_with_parent=args.exit_with_parent,
    )
    if args.base_end:
        config.base_end = parse_dt(args.base_end)
    return config


def _watch_parent(stop) -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1.0)
    stop()


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO if config.verbose else logging.WARNING, stream=sys.stderr)
    if not config.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        sandbox = WooSandbox(config)
    except (ValueError, KeyError) as exc:  # a bad --faults switch or time zone
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(sandbox)
    cert, key = make_certificate(config.host)
    plain = make_server(config.host, config.port, app, threaded=True)
    secure = make_server(config.host, config.tls_port, app, threaded=True, ssl_context=server_context(cert, key))
    for server in (plain, secure):
        server.daemon_threads = True
    sandbox.bound(f"http://{config.host}:{plain.server_port}", f"https://{config.host}:{secure.server_port}", cert)
    sandbox.store.orders.lazy.start()  # the order index builds while the first requests arrive
    done = threading.Event()

    def stop(*_args) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if config.exit_with_parent:
        threading.Thread(target=_watch_parent, args=(stop,), name="parent-watch", daemon=True).start()
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for s in (plain, secure)]
    for thread in threads:
        thread.start()
    sys.stdout.write(orjson.dumps(sandbox.describe()).decode() + "\n")
    sys.stdout.flush()
    try:
        while not done.wait(0.5):
            pass
    finally:
        for server in (plain, secure):
            server.shutdown()
            server.server_close()
        sandbox.stop()
        remove_certificate(cert, key)
    return 0
