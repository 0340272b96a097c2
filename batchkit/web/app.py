"""The workbench application: one Starlette app, the Guard in front, the pages' routes, the static files.

`create_app` is what `batchkit serve` runs and what the tests drive (Starlette's TestClient, or a real
Chromium over a real socket). Everything a page needs lives on the Bench (`request.app.state.bench`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from batchkit.core.errors import BatchkitError
from batchkit.web.bench import Bench, bench_of
from batchkit.web.guard import Guard, Keys
from batchkit.web.settings import ServeSettings
from batchkit.web.uploads import Uploads
from batchkit.web.views import HERE, problem
from batchkit.web.work import Tasks


def create_app(settings: ServeSettings, keys: Keys | None = None, debug: bool = False) -> Guard:
    """The guarded application for `settings` (a new launch key unless `keys` is given)."""
    from batchkit.web.pages import ROUTES

    keys = keys or Keys(settings.port)
    uploads = Uploads(settings.folder / "uploads", settings.keep_days)
    uploads.sweep()
    bench = Bench(settings, keys, uploads, Tasks(debug=debug), debug)
    app = Starlette(routes=[Route("/", _home), *ROUTES,
                            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static")],
                    exception_handlers={BatchkitError: _batchkit_error, Exception: _internal_error})
    app.state.bench = bench
    return Guard(app, keys, settings.max_upload)


async def _home(request: Request) -> Response:
    return RedirectResponse("/check", status_code=303)


async def _batchkit_error(request: Request, exc: Exception) -> Response:
    status = 502 if getattr(exc, "exit_code", 2) == 3 else 400
    return problem(request, str(exc), status)


async def _internal_error(request: Request, exc: Exception) -> Response:
    if bench_of(request).debug:
        import traceback

        traceback.print_exception(exc)
    return problem(request, f"internal error ({type(exc).__name__}); run `batchkit serve --debug` to see the details",
                   500)
