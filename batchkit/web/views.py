"""Pages: Jinja2 templates from the package (autoescaped: whatever a file, a partner or a server wrote is shown
as text, never markup), and the answers every page shares (a page, a fragment, a one-line error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from batchkit.core.version import VERSION

HERE = Path(__file__).parent
NAV = [("check", "Check"), ("build", "Build"), ("deliver", "Deliver"), ("status", "Status"),
       ("radar", "Radar"), ("inquiries", "Inquiries")]

ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


ENV.filters["thousands"] = _thousands


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered for this request: a whole page, or a fragment when htmx asked for one."""
    bench = request.app.state.bench
    context = {"request": request, "csrf": bench.keys.csrf, "nav": NAV, "version": VERSION,
               "htmx": request.headers.get("hx-request") == "true", **context}
    return HTMLResponse(ENV.get_template(template).render(context), status_code=status_code,
                        headers={"cache-control": "no-store"})


def problem(request: Request, message: str, status_code: int = 400) -> HTMLResponse:
    """One line saying what went wrong, where the page shows messages (role=alert: read out, never vanishing)."""
    return page(request, "problem.html", status_code=status_code, message=message)
