"""The one `deliver`: validated batch files to any destination — a folder, an SFTP drop, or impact.com's API
(`parse_destination("api")`) — exactly once, keyed by the changes their records make (state/journal.py).

A folder or a drop receives each file whole (delivery/files.py); the API receives each record as one request
(delivery/viaapi/). Both are journaled by change, so neither sends what the other already did. The command line,
`batchkit run`, the library and the web app call `deliver_paths` and nothing below it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from batchkit.delivery.prepare import Check
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import Destination, parse_destination
from batchkit.delivery.viaapi.destination import ApiDestination
from batchkit.state.ledger import Ledger


def destination_of(settings: DeliverySettings, api_flags: Mapping[str, Any] | None = None,
                   env: Mapping[str, str] = os.environ) -> Destination:
    """The destination `settings.to` names (resolve_settings parsed it; settings made by hand are parsed here,
    "api" with the account of `api_flags`, the environment and [api])."""
    if settings.destination is not None:
        return settings.destination
    from batchkit.api.settings import api_settings
    from batchkit.core.config import load_config

    config = settings.config or load_config()
    return parse_destination(settings.to, api=lambda: api_settings(config, dict(api_flags or {}), env))


def deliver_paths(paths: list[Path], dest: Destination, settings: DeliverySettings, ledger: Ledger, *,
                  resend: bool = False, resend_unknown: bool = False, dry_run: bool = False,
                  check: Check | None = None, progress: Callable[[Any], None] | None = None,
                  notify: Callable[[str], None] | None = None) -> list[DeliveryResult]:
    """Validate (and `check`: preflight), then deliver `paths` to `dest` exactly once; the results say what became
    of each file. `resend`: send again what was delivered (all of it); `resend_unknown` (the API): send again the
    records whose outcome is unknown. Raises InvalidFiles (exit 1, nothing sent) or a DeliveryError."""
    if isinstance(dest, ApiDestination):
        from batchkit.delivery.viaapi.send import deliver_via_api

        return deliver_via_api(list(paths), dest.settings, settings, ledger, resend_unknown=resend_unknown,
                               resend=resend, dry_run=dry_run, check=check, progress=progress, notify=notify)
    from batchkit.delivery.files import deliver_files

    return deliver_files(list(paths), dest, settings, ledger, resend=resend, dry_run=dry_run, check=check)
