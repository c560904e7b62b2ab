"""What every web page the hub serves beside its API shares (the dashboard at ``/dashboard``, the wallet app at
``/app``): security headers, a cache policy per endpoint, and the request counter on ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

from edge.hub.context import HubContext

CachePolicy = Callable[[str | None], str | None]
"""The ``Cache-Control`` value for an endpoint (None: leave the default)."""


def harden(app: Flask, ctx: HubContext, *, mount: str, csp: str, cache: CachePolicy) -> None:
    """Give every answer of `app` (served under `mount`) the headers of a page that trusts only the hub, and
    count it by route."""

    @app.after_request
    def headers(response: Response) -> Response:
        found = response.headers
        found.setdefault("Content-Security-Policy", csp)
        found.setdefault("X-Content-Type-Options", "nosniff")
        found.setdefault("Referrer-Policy", "no-referrer")  # a link with a token in it never travels further
        found.setdefault("X-Frame-Options", "DENY")
        policy = cache(request.endpoint)
        if policy is not None:
            found.setdefault("Cache-Control", policy)
        # The rule, not the URL, so member ids never become label values.
        endpoint = mount + (request.url_rule.rule if request.url_rule is not None else "/unmatched")
        ctx.metrics.http_requests.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        return response
