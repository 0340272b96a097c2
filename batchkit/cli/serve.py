"""`batchkit serve`: the workbench in a browser, on 127.0.0.1 only (README "The workbench").

Exit codes: 130 stopped with Ctrl-C, 2 the port is busy or the configuration is wrong.
"""

from __future__ import annotations

import os
import sys

import click

from batchkit.cli.base import INTERRUPTED_EXIT, Command, config_option, examples, out, state_dir_option

EXAMPLES = examples("batchkit serve --open", "batchkit serve --port 8765 --config samples/shopify/batchkit.toml")


@click.command("serve", cls=Command, epilog=EXAMPLES)
@click.option("--port", type=int, help="The port on 127.0.0.1 (default 8765; 0 = any free one) [env "
                                       "BATCHKIT_SERVE_PORT; [serve] port].")
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the default browser.")
@state_dir_option
@config_option
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
