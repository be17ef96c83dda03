"""The ``medcredit`` command line (see :func:`medcredit.cli.main.main`)."""

from medcredit.cli.main import main

__all__ = ["main"]
