"""Identifier checks are memoised per identifier (issue 14): same outcome, one check per id, bounded, thread-safe.

The outcomes are those of ``check_uscc`` / ``check_resident_id`` (GB 32100-2015, GB 11643-1999),
whose own tests are in tests/test_identifiers.py; here only the memo around them is tested.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import medcredit
from medcredit.history import identifiers
from medcredit.history.identifiers import (
    check_resident_id,
    check_uscc,
    resident_id_check_char,
    resident_id_problem,
    uscc_check_char,
    uscc_problem,
)

TODAY = dt.date(2024, 12, 31)


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    identifiers._uscc_memo.clear()
    identifiers._resident_memo.clear()
    yield
    identifiers._uscc_memo.clear()
    identifiers._resident_memo.clear()


def _uscc(n: int) -> str:
    body = f"92500237MA{n:07d}"
    return body + uscc_check_char(body)


def _resident(n: int) -> str:
    body = f"500237{1960 + n % 40:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def _wrong(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


USCCS = [_uscc(1), _wrong(_uscc(2)), "92500237MA5U0000", "  " + _uscc(3).lower() + "\u3000", "", "ＡＢＣ"]
BORN_2099 = "50023720990101001" + resident_id_check_char("50023720990101001")
RESIDENTS = [_resident(1), _wrong(_resident(2)), "500237196304040036", BORN_2099, "123"]


@pytest.mark.parametrize("code", USCCS)
def test_uscc_outcome_is_check_uscc(code: str) -> None:
    want = check_uscc(code)
    for _ in range(2):  # computed, then remembered
        got = uscc_problem(code)
        assert got == (None if want.ok else want)


@pytest.mark.parametrize("number", RESIDENTS)
@pytest.mark.parametrize("today", [TODAY, dt.date(2000, 1, 1)])
def test_resident_outcome_is_check_resident_id(number: str, today: dt.date) -> None:
    want = check_resident_id(number, today=today)
    for _ in range(2):
        got = resident_id_problem(number, today=today)
        assert got == (None if want.ok else want)


def test_the_day_is_part_of_the_key() -> None:
    """A birth date in 2099 is in the future in 2024: the same number, two days, two outcomes."""
    number = BORN_2099
    assert resident_id_problem(number, today=TODAY) is not None
    assert resident_id_problem(number, today=dt.date(2100, 1, 1)) is None


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"is_valid_uscc": 0, "is_valid_resident_id": 0}
    for name in calls:
        real = getattr(identifiers, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(identifiers, name, counted)
    return calls


def test_one_check_per_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    for _ in range(5):
        uscc_problem(USCCS[0])
        resident_id_problem(RESIDENTS[0], today=TODAY)
    assert calls == {"is_valid_uscc": 1, "is_valid_resident_id": 1}


def test_a_subject_graded_again_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's identifier notices go through the memo: two cycles, one check of the id."""
    pack = medcredit.load_pack("wushan")
    subject = medcredit.Subject.model_validate(
        {
            "id": _wrong(_uscc(9)),
            "category": "retail_pharmacy",
            "opened": "2010-01-01",
            "records": [{"kind": "inspection", "date": "2023-05-01"}, {"kind": "inspection", "date": "2024-05-01"}],
        }
    )
    calls = _counting(monkeypatch)
    results = [medcredit.evaluate(pack, subject, cycle) for cycle in (2023, 2023, 2023)]
    assert calls["is_valid_uscc"] == 1
    # the notice is still there each time (a wrong check character is a warning, not a rejection)
    assert all(any(n.code == "identifier" for n in r.warnings) for r in results)


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identifiers, "ID_MEMO", 8)
    codes = [_uscc(n) if n % 3 else _wrong(_uscc(n)) for n in range(100)]
    for code in codes:
        assert uscc_problem(code) == (None if check_uscc(code).ok else check_uscc(code))
        assert len(identifiers._uscc_memo) <= 8
    # the newest are the ones kept
    assert list(identifiers._uscc_memo) == codes[-8:]


def test_the_memo_is_thread_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identifiers, "ID_MEMO", 32)
    codes = [_uscc(n) if n % 4 else _wrong(_uscc(n)) for n in range(200)]
    want = {code: None if check_uscc(code).ok else check_uscc(code) for code in codes}
    wrong: list[str] = []
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(3000):
                code = codes[(i * 7 + offset) % len(codes)]
                if uscc_problem(code) != want[code]:
                    wrong.append(code)
        except BaseException as exc:  # pragma: no cover - what the test is looking for
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and not wrong
    assert len(identifiers._uscc_memo) <= 32


def test_a_full_memo_drops_its_oldest_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streaming a million distinct ids keeps the memo full: each insert must stay cheap however big it is.

    CPU time of the same inserts into a large and into a tiny memo, compared in one run (a ratio, not a
    duration): dropping the oldest entry of a plain dict rescans the holes left at its front, which
    made each insert 28 times dearer at 65,536 entries.
    """
    import time

    keys = [f"{n:018d}" for n in range(120_000)]

    def cpu(bound: int) -> float:
        monkeypatch.setattr(identifiers, "ID_MEMO", bound)
        identifiers._uscc_memo.clear()
        for key in keys[:bound]:
            identifiers._remember(identifiers._uscc_memo, key, None)
        started = time.process_time()
        for key in keys[bound : bound + 50_000]:
            identifiers._remember(identifiers._uscc_memo, key, None)
        return time.process_time() - started

    small = min(cpu(16) for _ in range(2))
    large = min(cpu(65_536) for _ in range(2))
    assert large < 4 * small + 0.05, (large, small)
