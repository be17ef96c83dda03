"""Static checks of policy packs, organised as a rule pack (``medcredit check``).

Each check is a class with a stable ``id``, a default ``level`` and a docstring
that is its documentation (the docs page is generated from it).  A check gets
the compiled pack and the located YAML, and yields :class:`Problem` values with
line and column.  Structural errors (unknown names, bad quotes, gaps and
overlaps in bands, ill-typed expressions) are found by the compiler and reported
by ``medcredit check`` under their own codes before these checks run.
"""

from __future__ import annotations

from medcredit.checks import completeness, quote_numbers, reachability, validity  # noqa: F401  (importing registers them)
from medcredit.checks.base import CHECKS, Check, CheckContext, run_checks

__all__ = ["CHECKS", "Check", "CheckContext", "run_checks"]
