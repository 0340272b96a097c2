"""The Radar page (being built)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from batchkit.web.views import page


async def show(request: Request) -> Response:
    return page(request, "stub.html", active="radar", title="Radar")


ROUTES = [Route("/radar", show)]
