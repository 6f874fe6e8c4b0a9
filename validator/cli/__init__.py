"""Command-line entry points."""

from validator.cli.main import main

__all__ = ["main"]
