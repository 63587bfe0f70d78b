"""Environments for the hub's own processes in tests: this machine's, less every hub setting, plus the test's.

A variable exported around the test run (a developer's .env, deploy.sh's hub.env) must not reach a worker
or server a test starts; only what the test says does.
"""

from __future__ import annotations

import os

from app.config import Config, env_name


def hub_environ(**variables) -> dict[str, str]:
    declared = {env_name(name) for name in Config.model_fields}
    environ = {key: value for key, value in os.environ.items() if key not in declared}
    environ.update({key: str(value) for key, value in variables.items()})
    return environ
