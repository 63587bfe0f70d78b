"""Gunicorn settings for the VPS (deploy/systemd/commerce-hub-web.service).

The listening socket comes from systemd (commerce-hub-web.socket), so `bind` is only the fallback for a
manual start. Behind nginx on the same machine: trust its X-Forwarded-* headers from loopback only.
"""

import os

bind = os.environ.get("HUB_WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HUB_WEB_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("HUB_WEB_THREADS", "4"))
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then; memory stays flat whatever leaks a library has
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
accesslog = "-"
errorlog = "-"


def child_exit(server, worker):
    """A dead worker's latency samples stay summed but stop counting as live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
