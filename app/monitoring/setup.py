"""Wire monitoring into an app: request timing, the recent-errors log handler, the ops CLI commands."""

from __future__ import annotations

from flask import Flask


def init_monitoring(app: Flask) -> None:
    from app.cli import hub_cli
    from app.monitoring import errors, metrics
    from app.ops.cli import register_commands

    metrics.install_request_timing(app)
    errors.install(app)
    register_commands(hub_cli)
