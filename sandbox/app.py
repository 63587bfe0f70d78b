"""Flask application factory and the request pipeline shared by all API routes.

Order of checks for `/api/...`: token (401) -> connections per token (429) ->
leaky bucket (429) -> identical write in flight (423) -> fault switches -> handler.
Admin routes under `/_sandbox` skip all of it.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import time
from email.utils import formatdate

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox.api import ApiError, envelope, error_response
from sandbox.auth import TokenError
from sandbox.formats import uuid7
from sandbox.routes import register_all
from sandbox.runtime import Sandbox

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# What nginx's limit_conn answers with: an HTML page, not the JSON envelope.
NGINX_429 = (b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
             b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")


def create_app(sandbox: Sandbox) -> Flask:
    app = Flask("sandbox")
    app.extensions["sandbox"] = sandbox
    register_all(app)

    @app.before_request
    def pipeline():
        g.request_id = uuid7()
        g.sandbox = sandbox
        path = request.path
        if path.startswith("/_sandbox"):
            return None
        if path.startswith("/api/"):
            return _api_checks(sandbox)
        if "/action/ApiOAuthServer/" in path:
            return _faults(sandbox, None)
        return None

    @app.after_request
    def decorate(response: Response) -> Response:
        if request.environ.get("sandbox.fail_after_write") and response.status_code < 400:
            # The write went through; the client only sees a server error (fault "500-after-write").
            response = envelope(None, [{"errorCode": "internal-server-error", "message": "Internal server error "
                                        "after the change was saved (sandbox fault write_faults).",
                                        "instance": "unknown"}], 500)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        bucket = g.get("bucket")
        if bucket is not None and g.get("charged"):
            size = response.calculate_content_length() or 0
            bucket.add(sandbox.buckets.cost(size))
        if bucket is not None:
            response.headers["X-RateLimit-Bucket-Filling"] = bucket.header()
            if bucket.is_full():
                response.headers["Retry-After"] = bucket.retry_after()
        else:
            response.headers["X-RateLimit-Bucket-Filling"] = sandbox.buckets.empty_header()
        if not request.path.startswith("/_sandbox"):
            rule = request.url_rule.rule if request.url_rule is not None else request.path
            dropped = request.environ.get("sandbox.drop_connection")
            sandbox.requests.count(f"{request.method} {rule}", "dropped" if dropped else response.status_code)
        return response

    @app.teardown_request
    def release(_exc):
        key = g.pop("in_flight_key", None)
        if key is not None:
            sandbox.in_flight.release(key)
        lock = g.pop("write_lock", None)
        if lock is not None:
            sandbox.write_locks.release(lock)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith(("/api/", "/_sandbox")):
            code = {404: "not-found", 405: "method-not-allowed"}.get(exc.code, "invalid-request")
            return envelope(None, [{"errorCode": code, "message": exc.description or exc.name,
                                    "instance": request.path}], exc.code or 500)
        return exc

    @app.errorhandler(Exception)
    def crash(exc: Exception):
        logging.getLogger("sandbox").exception("unhandled error")
        return envelope(None, [{"errorCode": "internal-server-error", "message": f"Sandbox bug: {exc}",
                                "instance": "unknown"}], 500)

    app.wsgi_app = DropConnection(app.wsgi_app)
    return app


def _api_checks(sandbox: Sandbox):
    headers = request.headers
    try:
        eshop_id, kind, token = sandbox.auth.resolve(headers.get("Shoptet-Access-Token"),
                                                     headers.get("Shoptet-Private-Api-Token"))
    except TokenError as exc:
        return envelope(None, [{"errorCode": exc.code, "message": exc.message, "instance": "unknown"}], 401)
    g.eshop_id = eshop_id
    g.store = sandbox.stores[eshop_id]
    g.token_kind = kind
    g.bucket = sandbox.buckets.get(f"{eshop_id}:addon" if kind == "addon" else f"{eshop_id}:{token}")
    if not sandbox.in_flight.acquire(token):
        return Response(NGINX_429, status=429, content_type="text/html")
    g.in_flight_key = token
    if g.bucket.is_full():
        return envelope(None, [{"errorCode": "too-many-requests",
                                "message": "Rate limit exceeded: the leaky bucket is full. See Retry-After.",
                                "instance": "unknown"}], 429)
    if request.method in WRITE_METHODS:
        digest = hashlib.sha1(request.get_data(cache=True), usedforsecurity=False).hexdigest()
        key = (eshop_id, request.method, request.full_path, digest)
        if not sandbox.write_locks.acquire(key):
            g.charged = True
            return envelope(None, [{"errorCode": "locked",
                                    "message": "An identical request is already being processed. Retry later.",
                                    "instance": request.path}], 423)
        g.write_lock = key
    g.charged = True
    return _faults(sandbox, eshop_id, write=request.method in WRITE_METHODS)


def _faults(sandbox: Sandbox, eshop_id: int | None, write: bool = False):
    faults = sandbox.faults
    if faults.roll(eshop_id, "drop_connection_rate"):
        request.environ["sandbox.drop_connection"] = True
        return Response(b"", status=200)
    slow = faults.get(eshop_id, "slow_ms")
    if slow:
        time.sleep(float(slow) / 1000.0)
    if faults.roll(eshop_id, "error_500_rate"):
        raise ApiError(500, "internal-server-error", "Internal server error (sandbox fault).")
    if faults.roll(eshop_id, "error_503_rate"):
        raise ApiError(503, "service-unavailable", "The system is under maintenance, please try later (sandbox fault).")
    if faults.roll(eshop_id, "error_429_rate"):
        raise _too_many()
    if write:
        if faults.roll(eshop_id, "error_423_rate"):
            raise _locked()
        scripted = faults.take_write_fault(eshop_id)
        if scripted == "500-after-write":
            request.environ["sandbox.fail_after_write"] = True
        elif scripted == 423:
            raise _locked()
        elif scripted == 429:
            raise _too_many()
        elif scripted:
            raise ApiError(scripted, "internal-server-error" if scripted == 500 else "service-unavailable",
                           f"Server error {scripted} (sandbox fault write_faults).")
    return None


def _locked() -> ApiError:
    return ApiError(423, "locked", "The resource is locked by another request. Retry later (sandbox fault).",
                    request.path)


def _too_many() -> ApiError:
    retry = formatdate(time.time() + 2, usegmt=True)
    return ApiError(429, "too-many-requests", "Rate limit exceeded (sandbox fault). See Retry-After.",
                    headers={"Retry-After": retry})


class DropConnection:
    """WSGI wrapper that closes the socket without any response when a route asked
    for it (fault `drop_connection_rate`).  Werkzeug's server treats the raised
    ConnectionError as a client disconnect and writes nothing."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if not environ.get("sandbox.drop_connection"):
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionAbortedError("sandbox fault: connection dropped")
