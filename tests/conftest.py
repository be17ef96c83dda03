"""Shared fixtures: the bundled Wushan pack and compact subject builders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

import medcredit
from medcredit.history.identifiers import uscc_check_char


def uscc(n: int) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check character) numbered ``n``."""
    body = f"92500237MA5U{n:05d}"
    return body + uscc_check_char(body)


SubjectFactory = Callable[..., medcredit.Subject]
Runner = Callable[..., medcredit.Result]


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's messages follow the locale; tests run in English unless they set a locale themselves."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def pack() -> medcredit.CompiledPack:
    return medcredit.load_pack("wushan")


@pytest.fixture(scope="session")
def make_subject() -> SubjectFactory:
    """``make_subject(category, records, opened=..., **fields)`` → a validated Subject.

    Defaults: a valid USCC id, opened long before any cycle; ``opened=None`` omits it.
    """

    def build(
        category: str = "retail_pharmacy",
        records: Iterable[dict[str, Any]] = (),
        *,
        n: int = 1,
        opened: str | None = "2010-01-01",
        **fields: Any,
    ) -> medcredit.Subject:
        data: dict[str, Any] = {"id": uscc(n), "category": category, "records": list(records)}
        if opened is not None:
            data["opened"] = opened
        data.update(fields)
        return medcredit.Subject.model_validate(data)

    return build


@pytest.fixture(scope="session")
def run(pack: medcredit.CompiledPack, make_subject: SubjectFactory) -> Runner:
    """``run(category, records, cycle=2023, trace=True, override_validity=False, **fields)`` → Result."""

    def go(
        category: str = "retail_pharmacy",
        records: Iterable[dict[str, Any]] = (),
        *,
        cycle: int = 2023,
        trace: bool = True,
        override_validity: bool = False,
        **fields: Any,
    ) -> medcredit.Result:
        subject = make_subject(category, records, **fields)
        return medcredit.evaluate(pack, subject, cycle, trace=trace, override_validity=override_validity)

    return go


# the running `medcredit serve` used by the service tests (started once, on first use)
from serve_server import server  # noqa: E402, F401
