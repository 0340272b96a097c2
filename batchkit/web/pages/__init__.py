"""The workbench's pages, one module each: check, build, deliver, status, radar, inquiries. Each exports ROUTES."""

from batchkit.web.pages import build, check, deliver, inquiries, radar, status

ROUTES = [*check.ROUTES, *build.ROUTES, *deliver.ROUTES, *status.ROUTES, *radar.ROUTES, *inquiries.ROUTES]
