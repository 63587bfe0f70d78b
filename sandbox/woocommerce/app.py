"""Flask application and the request pipeline of `/wp-json/wc/...`.

Order of events for an API request, as on a real host running WordPress:
the host (slow answers, its 429 with an empty or HTML body, its 503) ->
WooCommerce authentication (401) -> the key's read/write permission (401) ->
a PHP fatal (fault, 500) -> the route, whose own permission check refuses
anonymous requests (401 `woocommerce_rest_cannot_*`).  `/_sandbox` skips it all.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox.woocommerce.auth import check_permissions
from sandbox.woocommerce.rest import WooError, error_response
from sandbox.woocommerce.routes import register_all
from sandbox.woocommerce.routes.batch import critical_error
from sandbox.woocommerce.runtime import WooSandbox

HOST_429 = (b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
            b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
HOST_503 = (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
            b"<h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p>"
            b"</body></html>")


def create_app(sandbox: WooSandbox) -> Flask:
    app = Flask("woo_sandbox")
    register_all(app)

    @app.before_request
    def pipeline():
        g.sandbox = sandbox
        g.user = None
        if request.path.startswith("/wp-json/"):
            return _api_checks(sandbox)
        return None

    @app.after_request
    def count(response: Response) -> Response:
        if not request.path.startswith("/_sandbox"):
            rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
            sandbox.count(f"{request.method} {rule}", response.status_code)
        return response

    @app.errorhandler(WooError)
    def woo_error(exc: WooError):
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/wp-json/") and exc.code in (404, 405):
            return error_response(WooError(404, "rest_no_route",
                                           "No route was found matching the URL and request method."))
        return exc

    @app.errorhandler(Exception)
    def crash(exc: Exception):
        logging.getLogger("sandbox.woocommerce").exception("unhandled error")
        return error_response(WooError(500, "internal_server_error", f"Sandbox bug: {exc}"))

    return app


def _api_checks(sandbox: WooSandbox):
    faults = sandbox.faults
    slow = faults.get("slow_ms")
    if slow:
        time.sleep(float(slow) / 1000.0)
    if faults.throttled():
        retry_after = faults.get("throttle_retry_after")
        headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
        if faults.get("throttle_body") == "html":
            return Response(HOST_429, status=429, content_type="text/html", headers=headers)
        return Response(b"", status=429, headers=headers)
    if faults.roll("error_503_rate"):
        return Response(HOST_503, status=503, content_type="text/html", headers={"Retry-After": "1"})
    user = sandbox.auth.authenticate(request)
    g.user = user
    if user is not None:
        check_permissions(user, request.method)
    if faults.roll("error_500_rate"):
        raise critical_error()
    return None
