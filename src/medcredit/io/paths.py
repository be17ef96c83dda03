"""Whether two paths are one file: what a command checks before writing an output that may be an input."""

from __future__ import annotations

import os


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """``a`` and ``b`` are one file: the same inode when both exist (hard and symbolic links too), else the
    same path once resolved (an output not written yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))
