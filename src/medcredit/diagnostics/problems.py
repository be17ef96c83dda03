"""Validation problems as values: what went wrong, where, and what to do.

Each check yields a :class:`Problem` with a bare message; the walker that finds
it attaches the location (file, 1-based line and column, YAML path).  Problems
are collected, ranked and rendered together instead of stopping at the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

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


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The nearest valid name to ``name``, if any is close enough."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


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
    def full_message(self) -> str:
        msg = self.message
        if self.suggestion:
            msg += f"; did you mean '{self.suggestion}'?"
        if self.path:
            msg += f" (at {format_path(self.path)})"
        return msg

    def render(self) -> str:
        """``file:line:col: [level] message (code)``, the parsable format."""
        place = f"{self.file}:{self.sheet}!" if self.sheet is not None else f"{self.file}:"
        return f"{place}{self.line}:{self.column}: [{self.level}] {self.full_message} ({self.code})"

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
