"""Validation problems as values: what went wrong, where, and what to do.

Each check yields a :class:`Problem` with a bare message; the walker that finds
it attaches the location (file, 1-based line and column, YAML path).  Problems
are collected, ranked and rendered together instead of stopping at the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from medcredit.diagnostics.escape import one_line

Level = Literal["error", "warning"]
YamlPath = tuple[str | int, ...]

_LEVEL_RANK = {"error": 0, "warning": 1}


def format_path(path: YamlPath) -> str:
    """Render a YAML path as ``a.b[2].c`` (empty path is ``<root>``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def edit_distance(a: str, b: str, bound: int | None = None) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.

    With ``bound``, any distance above it is reported as ``bound + 1`` without being computed
    exactly: the length difference alone can settle it, and the computation stops as soon as
    a whole row of the table exceeds the bound (no later row can be smaller).
    """
    if bound is not None and abs(len(a) - len(b)) > bound:
        return bound + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            # min() of three spelt out: this loop is the whole cost of "did you mean"
            best = prev[j - 1] + (ca != cb)
            other = prev[j] + 1
            if other < best:
                best = other
            other = row[j - 1] + 1
            if other < best:
                best = other
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and prev2[j - 2] + 1 < best:
                best = prev2[j - 2] + 1
            row[j] = best
        if bound is not None and min(row) > bound:
            return bound + 1
        prev2, prev = prev, row
    return prev[-1] if bound is None else min(prev[-1], bound + 1)


#: Did-you-mean answers already computed, with their cost in cells, by (name, candidates): a typo
#: repeated on every line of a file is worked out once.  Only short names are kept, so the cache
#: stays a few hundred KB.
_SUGGESTED: dict[tuple[str, tuple[str, ...]], tuple[str | None, int]] = {}
_CACHE_ENTRIES = 4096
_CACHE_NAME_CHARS = 128

#: Edit-distance cells that did-you-mean may still compute in the current block (None: no limit).
_BUDGET: ContextVar[list[int] | None] = ContextVar("medcredit_suggestion_budget", default=None)


@contextmanager
def suggestion_budget(cells: int) -> Iterator[None]:
    """Within the block, did-you-mean computes at most ``cells`` edit-distance cells in all.

    Suggestions are a courtesy on top of a problem that is reported anyway; an input that
    holds hundreds of distinct misspelt names (hostile or not) must still be refused in
    bounded work, so once the budget is spent further problems come without one.  An answer
    found in the cache is charged what it cost to compute, so the suggestions offered for an
    input never depend on what was read before it.
    """
    token = _BUDGET.set([cells])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def clear_suggestion_cache() -> None:
    """Forget every cached did-you-mean answer (to measure the work of an input from cold)."""
    _SUGGESTED.clear()


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The nearest valid name to ``name``, only if it is a plausible typo of it.

    Close means a few edits for the name's length (one per three characters, at
    least one); a name shorter than three is offered only a name with one letter
    more (``mn`` → ``min``), since every short name is one substitution from
    another (grade ``E`` is not offered ``A``):
    ``per_ocurrence`` → ``per_occurrence``, ``categroy`` → ``category``; but
    ``points`` is not offered ``months`` (similar letters, three edits apart).
    The work is bounded by :func:`suggestion_budget` when one is in force.
    """
    ordered = tuple(sorted(set(candidates)))
    budget = _BUDGET.get()
    if budget is not None and budget[0] <= 0:
        return None
    key = (name, ordered)
    cached = _SUGGESTED.get(key)
    if cached is not None:
        answer, cells = cached
    else:
        limit = max(1, len(name) // 3)
        # a candidate whose length differs by more than the limit is settled without a table, so a
        # hostile 100,000-character value costs one comparison per candidate (issue 11: 50 ms a line)
        cells = sum(len(name) * len(c) for c in ordered if abs(len(name) - len(c)) <= limit)
    if budget is not None:
        # a cached answer is charged as if computed, so what is offered never depends on earlier inputs
        if cells > budget[0]:
            budget[0] = 0  # once one suggestion does not fit, none is tried again in this block
            return None
        budget[0] -= cells
    if cached is None:
        answer = _nearest(name, ordered, limit)
        if len(name) <= _CACHE_NAME_CHARS:
            if len(_SUGGESTED) >= _CACHE_ENTRIES:
                _SUGGESTED.clear()
            _SUGGESTED[key] = (answer, cells)
    return answer


def _nearest(name: str, ordered: tuple[str, ...], limit: int) -> str | None:
    near = [(edit_distance(name.lower(), c.lower(), limit), c) for c in ordered]
    near = [(d, c) for d, c in near if d <= limit and (len(name) >= 3 or d == 0 or len(c) == len(name) + 1)]
    if not near:
        return None
    best = min(d for d, _ in near)
    ties = [c for d, c in near if d == best]
    # among equally distant names, the one difflib finds most similar reads best
    return max(ties, key=lambda c: difflib.SequenceMatcher(None, name, c).ratio())


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about an input file."""

    code: str
    message: str
    level: Level = "error"
    file: str = "<input>"
    line: int = 0
    column: int = 0
    path: YamlPath = ()
    suggestion: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    #: the worksheet of a spreadsheet input (``file:sheet!row:column``); ``None`` for text files
    sheet: str | None = None

    @property
    def raw_message(self) -> str:
        """The message with its suggestion and path, as found (control characters and all)."""
        msg = self.message
        if self.suggestion:
            msg += f"; did you mean '{self.suggestion}'?"
        if self.path:
            msg += f" (at {format_path(self.path)})"
        return msg

    @property
    def full_message(self) -> str:
        """The message with its suggestion and path, on one line: an echoed value's control characters are
        escaped (a line feed in a value cannot forge a second problem, ESC cannot reach the terminal)."""
        return one_line(self.raw_message)

    @property
    def place(self) -> str:
        """``file:`` or ``file:sheet!``, control characters escaped."""
        return one_line(f"{self.file}:{self.sheet}!" if self.sheet is not None else f"{self.file}:")

    def render(self) -> str:
        """``file:line:col: [level] message (code)``, the parsable format: always exactly one line."""
        return f"{self.place}{self.line}:{self.column}: [{self.level}] {self.full_message} ({self.code})"

    def sort_key(self) -> tuple[int, str, int, int, str]:
        return (_LEVEL_RANK[self.level], self.file, self.line, self.column, self.code)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        return out | {
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "path": format_path(self.path),
            "suggestion": self.suggestion,
        }


def rank(problems: Iterable[Problem]) -> list[Problem]:
    """Errors before warnings, then by position; duplicates removed."""
    seen: set[tuple[object, ...]] = set()
    out: list[Problem] = []
    for p in sorted(problems, key=Problem.sort_key):
        key = (p.code, p.file, p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def has_errors(problems: Sequence[Problem]) -> bool:
    return any(p.level == "error" for p in problems)
