"""batchkit: validate, build and deliver impact.com batch modification and reversal files."""

__version__ = "0.1.0"
