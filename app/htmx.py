"""HTMX helpers: one template serves the full page and the partial an HTMX request asks for."""

from __future__ import annotations

from flask import make_response, render_template, request

# htmx stops an `every Ns` poll when the response has this status.
STOP_POLLING = 286


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page_or_partial(page_template: str, partial_template: str, status: int = 200, **context):
    template = partial_template if is_htmx() and not request.headers.get("HX-Boosted") else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
