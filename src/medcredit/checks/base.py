"""The check registry and the context every check receives."""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from medcredit.diagnostics.problems import Level, Problem, YamlPath, rank
from medcredit.io.yamlload import Located
from medcredit.pack.compiled import CompiledPack

_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class CheckContext:
    pack: CompiledPack
    located: Located
    today: dt.date  # the CLI passes the real date; the checks themselves read no clock


class Check(ABC):
    """Base class: subclasses set ``id`` and ``level`` and implement :meth:`run`."""

    id: ClassVar[str]
    level: ClassVar[Level] = "error"

    @abstractmethod
    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        """Yield every problem this check finds in ``ctx.pack``."""

    def problem(self, ctx: CheckContext, message: str, path: YamlPath, *, level: Level | None = None) -> Problem:
        return ctx.located.problem(self.id, message, path, level=level or self.level)

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()


CHECKS: dict[str, type[Check]] = {}


def register(cls: type[Check]) -> type[Check]:
    """Add a check; ids are validated and unique at registration."""
    if not _ID.match(cls.id):
        raise ValueError(f"check id '{cls.id}' must be lower-case words joined by '-'")
    if cls.id in CHECKS:
        raise ValueError(f"duplicate check id '{cls.id}'")
    if not cls.doc():
        raise ValueError(f"check '{cls.id}' needs a docstring: it is its documentation")
    CHECKS[cls.id] = cls
    return cls


def run_checks(ctx: CheckContext, only: set[str] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for check_id, cls in sorted(CHECKS.items()):
        if only is None or check_id in only:
            problems.extend(cls().run(ctx))
    return rank(problems)
