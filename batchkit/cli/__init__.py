"""The command line (the only package that imports click): one module per command over the library."""

from batchkit.cli.main import main

__all__ = ["main"]
