"""`batchkit serve`: the workbench in a browser, on 127.0.0.1 only (README "The workbench").

Exit codes: 130 stopped with Ctrl-C, 2 the port is busy or the configuration is wrong.
"""

from __future__ import annotations

import os
import sys

import click

from batchkit.cli.base import CONFIG_HELP, INTERRUPTED_EXIT, Command, out


@click.command("serve", cls=Command)
@click.option("--port", type=int, help="The port on 127.0.0.1 (default 8765; 0 = any free one) [env "
                                       "BATCHKIT_SERVE_PORT; [serve] port].")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the default browser.")
@click.option("--state-dir", metavar="DIR", help="The state folder [env BATCHKIT_STATE_DIR].")
@click.option("--config", "config_path", type=click.Path(path_type=str), help=CONFIG_HELP)
@click.pass_context
def serve(ctx: click.Context, port: int | None, open_browser: bool, state_dir: str | None,
          config_path: str | None) -> None:
    """Check, fix, build, deliver and follow up in a browser, on this machine only."""
    from pathlib import Path

    from batchkit.core.config import load_config
    from batchkit.web.serve import serve as run
    from batchkit.web.settings import serve_settings

    path = Path(config_path) if config_path else Path("batchkit.toml")
    config = load_config(config_path if config_path else (str(path) if path.exists() else None))
    settings = serve_settings(config, {"port": port, "state_dir": state_dir}, os.environ, path)
    try:
        run(settings, out, open_browser, bool(ctx.find_root().params.get("debug")))
    except KeyboardInterrupt:
        click.echo("batchkit serve: stopped", err=True)
        sys.exit(INTERRUPTED_EXIT)
    click.echo("batchkit serve: stopped", err=True)  # stopped by SIGTERM: uvicorn shut down cleanly
