"""Checks on the arguments of the public engine calls, so a wrong call is a typed error, not a crash deep inside."""

from __future__ import annotations

from typing import Any

from medcredit.diagnostics.errors import ArgumentError
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack

#: Cycles the engine reasons about: the supervision credit schemes date from 2020; 1990 matches the
#: earliest year a history record may carry, and the upper end leaves every date computation in range.
CYCLE_MIN = 1990
CYCLE_MAX = 2199


def check_cycle(cycle: Any) -> int:
    """``cycle`` as a year, or :class:`ArgumentError` naming what is wrong with it."""
    if isinstance(cycle, bool) or not isinstance(cycle, int):
        shown = repr(cycle)[:40]
        raise ArgumentError(f"cycle must be a year given as an int (e.g. 2023), got {type(cycle).__name__} {shown}")
    if not CYCLE_MIN <= cycle <= CYCLE_MAX:
        raise ArgumentError(
            f"cycle {str(cycle)[:40]} is out of range: a cycle is a year from {CYCLE_MIN} to {CYCLE_MAX}"
        )
    return cycle


def check_evaluate_arguments(pack: Any, subject: Any) -> None:
    """Refuse a call of ``evaluate`` whose arguments are not a compiled pack and a subject (the cycle or
    date is checked by :func:`medcredit.engine.window.evaluation_point`)."""
    if not isinstance(pack, CompiledPack):
        raise ArgumentError(f"pack must be a CompiledPack (use medcredit.load_pack), got {type(pack).__name__}")
    if not isinstance(subject, Subject):
        raise ArgumentError(
            f"subject must be a Subject (use medcredit.load_subject on a mapping), got {type(subject).__name__}"
        )
