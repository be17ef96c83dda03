"""Every public function refuses an argument of the wrong type with a typed error naming it.

The facade wraps what it exports with ``diagnostics.arguments.checked``; a wrong call must be an
ArgumentError (a MedcreditError), never an AttributeError or TypeError from deep inside.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pytest

import medcredit
from medcredit.diagnostics.arguments import checked, compile_check
from medcredit.diagnostics.errors import ArgumentError, MedcreditError

FUNCTIONS = sorted(
    n for n in medcredit.__all__ if inspect.isfunction(getattr(medcredit, n)) and n not in {"bundled_pack_names"}
)
PACK = medcredit.load_pack("liaoning")
SUBJECT = medcredit.load_subject({"id": "92500237MA5U00001T", "category": "retail_pharmacy"})
GOOD: dict[str, Any] = {
    "pack": PACK,
    "subject": SUBJECT,
    "person": SUBJECT,
    "institution": SUBJECT,
    "cycle": 2023,
    "cycles": [2023],
    "result": medcredit.evaluate(PACK, SUBJECT, 2024),
    "as_of": dt.date(2024, 6, 1),
    "on": dt.date(2024, 6, 1),
    "day": dt.date(2024, 6, 1),
    "start": dt.date(2024, 3, 15),
}
WRONG = [None, object(), b"\xff", 3.5, True]


def _required(name: str) -> list[inspect.Parameter]:
    signature = inspect.signature(getattr(medcredit, name))
    return [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_wrong_type_for_any_required_argument_is_a_typed_error(name: str) -> None:
    function = getattr(medcredit, name)
    params = _required(name)
    for i, param in enumerate(params):
        for wrong in WRONG:
            args = [wrong if j == i else GOOD.get(p.name, "wushan") for j, p in enumerate(params)]
            try:
                function(*args)
            except MedcreditError:
                continue
            except Exception as exc:  # the point of the test: nothing else may escape
                pytest.fail(f"{name}({param.name}={wrong!r}) raised {type(exc).__name__}: {exc}")


def test_cycle_out_of_range_is_named() -> None:
    with pytest.raises(ArgumentError, match="cycle -1 is out of range"):
        medcredit.check_validity(PACK, -1)


@pytest.mark.parametrize(
    ("annotation", "good", "bad"),
    [
        (int, [0, 2023], [True, 1.0, "1"]),
        (float, [1.5, 2], [True, "1.5"]),
        (bool, [True, False], [1, "yes"]),
        (dt.date, [dt.date(2024, 1, 1)], [dt.datetime(2024, 1, 1), "2024-01-01"]),
        (str | Path, ["a", Path("a")], [1, None]),
        (int | None, [None, 3], ["3"]),
        (Literal["zh", "en"], ["zh", "en"], ["fr", None]),
        (Iterable[int], [[1], (1,), iter([1])], ["12", b"12", 3]),
        (Any, [None, object()], []),
    ],
)
def test_checks_of_annotations(annotation: Any, good: list[Any], bad: list[Any]) -> None:
    check = compile_check(annotation)
    assert all(check(v) for v in good)
    assert not any(check(v) for v in bad)


def test_checked_binds_like_the_function_and_runs_validators() -> None:
    calls: list[int] = []

    def year(value: Any) -> None:
        if value > 2100:
            raise ArgumentError("too late")

    def f(a: int, *, b: str = "x") -> int:
        calls.append(a)
        return a

    g = checked(f, "f", __name__, a=year)
    assert g(1, b="y") == 1 and calls == [1]
    with pytest.raises(ArgumentError, match=r"f\(\): a must be int, got bool"):
        g(True)
    with pytest.raises(ArgumentError, match=r"f\(\): missing a required argument"):
        g()
    with pytest.raises(ArgumentError, match="too late"):
        g(2200)
    assert inspect.signature(g) == inspect.signature(f) and g.__doc__ == f.__doc__


def _calendar_calls() -> list[tuple[str, Any, list[Any]]]:
    calendar = medcredit.OfficialCalendar()
    day = dt.date(2024, 1, 2)
    return [
        ("is_working_day", calendar.is_working_day, [day]),
        ("is_rest_day", calendar.is_rest_day, [day]),
        ("is_holiday", calendar.is_holiday, [day]),
        ("add_working_days", calendar.add_working_days, [day, 3]),
        ("count_working_days", calendar.count_working_days, [day, dt.date(2024, 2, 1)]),
        ("next_working_day_on_or_after", calendar.next_working_day_on_or_after, [day]),
        ("source_for", calendar.source_for, [2024]),
    ]


def test_exported_classes_refuse_wrong_arguments_with_typed_errors(tmp_path: Path) -> None:
    """Constructors and the methods a caller uses: the same rule as for the functions."""
    result = medcredit.evaluate(PACK, SUBJECT, 2024)
    calls: list[tuple[str, Any, list[Any]]] = [
        ("Evaluator", medcredit.Evaluator, [PACK]),
        ("Evaluator.evaluate", medcredit.Evaluator(PACK).evaluate, [SUBJECT, 2024]),
        ("TraceEncoder", medcredit.TraceEncoder, [PACK]),
        ("TraceEncoder.encode", medcredit.TraceEncoder(PACK).encode, [result]),
        ("DecisionCache", medcredit.DecisionCache, [10]),
        ("QueryLog", medcredit.QueryLog, [tmp_path / "q.jsonl"]),
        *_calendar_calls(),
    ]
    for name, call, good in calls:
        call(*good)  # the right arguments work
        for i in range(len(good)):
            for wrong in [*WRONG, "2024-01-02", dt.datetime(2024, 1, 2, 9, 0)]:
                if isinstance(good[i], dt.datetime | str | Path) and isinstance(wrong, str):
                    continue
                args = [wrong if j == i else g for j, g in enumerate(good)]
                try:
                    call(*args)
                except MedcreditError:
                    continue
                except Exception as exc:
                    pytest.fail(f"{name} argument {i} = {wrong!r} raised {type(exc).__name__}: {exc}")


def test_paths_may_be_given_as_text_or_path() -> None:
    """What a caller naturally passes is accepted: a file name as ``str`` or ``Path``, for every file argument."""
    root = Path(__file__).resolve().parents[1]
    cases = root / "docs" / "example" / "example-county.cases.yaml"
    schedule = root / "tests" / "fixtures" / "schedules" / "cn_2027.yaml"
    for given in (str(cases), cases):
        assert all(outcome.passed for outcome in medcredit.run_file(given))
    for given in (str(schedule), schedule):
        assert medcredit.load_schedule(given).year == 2027
    history = root / "examples" / "wushan-subjects.jsonl"
    assert sum(1 for _ in medcredit.iter_subjects(str(history))) == sum(1 for _ in medcredit.iter_subjects(history))


def test_checked_exports_pickle_by_name_and_run_in_worker_processes() -> None:
    """multiprocessing and concurrent.futures send functions by name: the facade's wrapper must be what the
    name finds, or every checked export fails there."""
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    for name in FUNCTIONS:
        function = getattr(medcredit, name)
        assert pickle.loads(pickle.dumps(function)) is function, name
    with ProcessPoolExecutor(1) as pool:
        assert pool.submit(medcredit.load_pack, "suixian").result().id == "suixian"


def test_any_path_object_and_text_subclasses_are_accepted() -> None:
    """A PurePath or another os.PathLike is a path; a str subclass (numpy's str_) is text."""
    from pathlib import PurePosixPath

    import numpy as np

    root = Path(__file__).resolve().parents[1]
    assert medcredit.load_pack(PurePosixPath(root / "policies" / "wushan.yaml")).id == "wushan"
    result = medcredit.evaluate(PACK, SUBJECT, 2024)
    assert medcredit.render_text(result, PACK, np.str_("en")) == medcredit.render_text(result, PACK, "en")
    with pytest.raises(ArgumentError, match=r"load_subject_file\(\): path must be"):
        medcredit.load_subject_file(5)  # type: ignore[arg-type]
