"""One page, one URL: full page for a normal request, a named block for an htmx request."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_page(template: str, block: str | None = None, status: int = 200, **context: object) -> Response:
    """Render `template`, or only its `block` when htmx asks; always Vary on HX-Request."""
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
