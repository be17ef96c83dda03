"""pytest plugin: every ``*.cases.yaml`` file is a test module, each case a test.

Installed with medcredit (entry point ``pytest11``), so a pack author's repository
only needs case files; failures show file → case → expected vs got.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medcredit.packtests.runner import CASES_SUFFIX, CaseOutcome, run_file


class CaseFailureError(Exception):
    def __init__(self, outcome: CaseOutcome) -> None:
        self.outcome = outcome
        super().__init__(outcome.name)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(CASES_SUFFIX):
        return CasesFile.from_parent(parent, path=file_path)
    return None


class CasesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for outcome in run_file(self.path):
            yield CaseItem.from_parent(self, name=outcome.name, outcome=outcome)


class CaseItem(pytest.Item):
    def __init__(self, *, outcome: CaseOutcome, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome = outcome

    def runtest(self) -> None:
        if not self.outcome.passed:
            raise CaseFailureError(self.outcome)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailureError):
            o = excinfo.value.outcome
            lines = [f"{o.file}:{o.line}: case '{o.name}' failed"]
            lines += [f"  {d.render()}" for d in o.differences]
            lines += [f"  {p.render()}" for p in o.problems]
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.outcome.line - 1, f"case: {self.name}"
