"""Gunicorn settings for the VPS (deploy/systemd/commerce-hub-web.service).

The listening socket comes from systemd (commerce-hub-web.socket), so `bind` is only the fallback for a
manual start. Behind nginx on the same machine: trust its X-Forwarded-* headers from loopback only (the app
takes the client address from X-Forwarded-For with HUB_PROXY_COUNT=1, see README "Behind nginx").
"""

import os

from app.config import Config  # gunicorn puts the working directory (the release) on sys.path first

bind = Config.env_value("WEB_BIND")
workers = Config.env_value("WEB_WORKERS")
worker_class = "gthread"
threads = Config.env_value("WEB_THREADS")
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then; memory stays flat whatever leaks a library has
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
accesslog = "-"
errorlog = "-"


def post_fork(server, worker):
    """Invitation tokens and OAuth codes never reach the access log (app/security.py redacts them)."""
    from app.security import redact_access_logs

    redact_access_logs()


def child_exit(server, worker):
    """A dead worker's latency samples stay summed but stop counting as live gauges.

    PROMETHEUS_MULTIPROC_DIR is prometheus_client's own variable (set by the systemd unit), not a hub setting.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
