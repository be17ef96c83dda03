"""Packs compiled to generated Python: one function per grading path, with the interpreter as the fallback.

See :mod:`~medcredit.engine.codegen.support` for what is compiled and
:mod:`~medcredit.engine.codegen.program` for how a subject runs.
"""

from __future__ import annotations

from medcredit.engine.codegen.program import CompactResult, Outcome, Program, program_for
from medcredit.engine.codegen.support import PathSupport, path_support

__all__ = ["CompactResult", "Outcome", "PathSupport", "Program", "path_support", "program_for"]
