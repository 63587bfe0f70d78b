"""Fixtures for monitoring: people in roles, runs in every state, a tiny SMTP server and a webhook receiver."""

from __future__ import annotations

import json
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import update

from app.orgs.models import Role
from app.sync import ledger
from app.sync.models import SyncRun
from tests.factories import login, make_member, make_org, make_shop, make_user


def make_run(session, shop, kind="orders", *, status="succeeded", finished_ago: timedelta | None = None,
             error: str | None = None, progress: int = 0):
    """A run in the ledger, moved to `status` directly (the ledger's rules are tested in tests/imports)."""
    run, _ = ledger.trigger(session, shop, kind, mode="file", source_path="/nonexistent")
    finished = datetime.now(UTC) - finished_ago if finished_ago is not None else None
    values = {"status": status, "error": error, "progress_done": progress}
    if status in ("succeeded", "failed", "cancelled"):
        values["finished_at"] = finished or datetime.now(UTC)
    session.execute(update(SyncRun).where(SyncRun.id == run.id).values(**values))
    session.expire(run)
    return run


@pytest.fixture
def tenants(db):
    """Two organizations with a shop each; an owner and a manager of the first; an operator of neither."""
    first, second = make_org(db.session, "Alpha s.r.o."), make_org(db.session, "Beta a.s.")
    owner = make_member(db.session, first, Role.owner)
    manager = make_member(db.session, first, Role.manager)
    operator = make_user(db.session, operator=True)
    shops = make_shop(db.session, first, "Alpha shop"), make_shop(db.session, second, "Beta shop")
    db.session.flush()
    return {"orgs": (first, second), "shops": shops, "owner": owner, "manager": manager, "operator": operator}


@pytest.fixture
def login_as(client):
    def log_in(user):
        response = login(client, user.email)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
        return client

    return log_in


@pytest.fixture
def backup_dir(app, tmp_path, monkeypatch):
    """An empty BACKUP_DIR of this test's own."""
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    return folder


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; no STARTTLS offered."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        envelope = {"to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == "MAIL":
                envelope["from"] = command
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip("<> "))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                self.server.messages.append({**envelope, "data": "".join(body)})
                envelope = {"to": []}
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server(app, monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.server_address[1])
    yield server
    server.shutdown()
    server.server_close()


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", 0))
        self.server.posts.append(json.loads(self.rfile.read(length)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver():
    server = HTTPServer(("127.0.0.1", 0), _HookHandler)
    server.posts, server.status = [], 204
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield server
    server.shutdown()
    server.server_close()
