"""The crash points of deliveries: batchkit.core.failpoints (the write loop of api/ uses them too)."""

from batchkit.core.failpoints import API_POINTS, POINTS, crash_point

__all__ = ["API_POINTS", "POINTS", "crash_point"]
