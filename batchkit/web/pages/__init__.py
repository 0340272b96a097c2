"""The workbench's pages, one module each: check, build, deliver, status, inquiries. Each exports ROUTES."""

from batchkit.web.pages import build, check, deliver, inquiries, status

ROUTES = [*check.ROUTES, *build.ROUTES, *deliver.ROUTES, *status.ROUTES, *inquiries.ROUTES]
