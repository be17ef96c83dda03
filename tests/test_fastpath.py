"""The fast input path (issue 14, "Fast input") reads exactly what the pydantic models read.

The pydantic models of ``medcredit.history.model`` are the schema of record.  Every expectation
here comes from them: the same line is read once with the fast path switched off (pydantic alone,
as before the fast path existed) and once with it on, with orjson and with the standard library's
``json``, and the items must be the same — an equal ``Subject`` down to the type of every field
value and each model's ``model_fields_set``, or a rejection with the same located problems.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import medcredit
from medcredit.history import fastpath
from medcredit.history.reader import Item, Loaded, Rejected, iter_jsonl, iter_subjects
from medcredit.testing.strategies import pack_shape, subject_data

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


MUTATORS = _module("fastpath_test_mutators", ROOT / "tests" / "fuzz" / "mutators.py")
GENERATE = _module("fastpath_test_generate", ROOT / "bench" / "generate.py")
POPULATION = _module("fastpath_test_population", ROOT / "tests" / "golden_bytes" / "population.py")

MODES = ("orjson", "json")


@contextlib.contextmanager
def _mode(mode: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``pydantic``: the fast path off (the schema of record alone); ``json``: fast path without orjson."""
    with monkeypatch.context() as patch:
        if mode == "pydantic":
            patch.setattr(fastpath, "_ENABLED", False)
        elif mode == "json":
            patch.setattr(fastpath, "_orjson", None)
        yield


def _read(lines: list[str], mode: str, monkeypatch: pytest.MonkeyPatch) -> list[Item]:
    with _mode(mode, monkeypatch):
        return list(iter_jsonl(io.StringIO("".join(line + "\n" for line in lines)), "h.jsonl"))


def _same_value(a: Any, b: Any, where: str) -> None:
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, BaseModel):
        _same_model(a, b, where)
    elif isinstance(a, tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_value(x, y, f"{where}[{i}]")
    else:
        # Decimal('7.50') == Decimal('7.5'): compare the written form too
        assert (a, repr(a)) == (b, repr(b)), where


def _same_model(a: BaseModel, b: BaseModel, where: str = "subject") -> None:
    assert list(a.__dict__) == list(b.__dict__), where
    assert a.model_fields_set == b.model_fields_set, where
    assert a.__pydantic_extra__ == b.__pydantic_extra__, where
    assert a.__pydantic_private__ == b.__pydantic_private__, where
    for name, value in a.__dict__.items():
        _same_value(value, b.__dict__[name], f"{where}.{name}")


def _same_items(got: list[Item], want: list[Item]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w) and g.where == w.where, (g, w)
        if isinstance(w, Loaded):
            assert isinstance(g, Loaded)
            _same_model(g.subject, w.subject)
            assert g.subject == w.subject
            assert g.subject.model_dump_json() == w.subject.model_dump_json()
        else:
            assert isinstance(g, Rejected)
            assert g.problems == w.problems


def _agree(lines: list[str], monkeypatch: pytest.MonkeyPatch) -> list[Item]:
    """Read ``lines`` the schema-of-record way and both fast ways; they must agree item for item."""
    want = _read(lines, "pydantic", monkeypatch)
    for mode in MODES:
        _same_items(_read(lines, mode, monkeypatch), want)
    return want


def _json(value: Any, rng: random.Random) -> str:
    """JSON text of generated data: dates as ISO text, decimals as JSON numbers or as text, at random."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v, rng)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json(v, rng) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value) if rng.random() < 0.5 and value.is_finite() else json.dumps(str(value))
    if hasattr(value, "isoformat"):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


# ----------------------------------------------------------------------------- the corpora


def _history_files() -> list[Path]:
    found = [*sorted((ROOT / "examples").iterdir()), *sorted((ROOT / "tests" / "fixtures" / "bad_histories").iterdir())]
    return [p for p in found if p.suffix in (".json", ".jsonl", ".yaml")]


@pytest.mark.parametrize("path", _history_files(), ids=lambda p: p.name)
def test_every_history_file_reads_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read(mode: str) -> list[Item]:
        with _mode(mode, monkeypatch):
            return list(iter_subjects(path))

    want = read("pydantic")
    for mode in MODES:
        _same_items(read(mode), want)


def test_generated_workloads_read_the_same_and_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/generate.py (the Wushan workload) and the golden-bytes population (every kind and code)."""
    wushan = list(GENERATE.generate(400, 7))
    population = [json.dumps(s, ensure_ascii=False) for s in POPULATION.population(400, 3)]
    want = _agree(wushan + population, monkeypatch)
    assert all(isinstance(item, Loaded) for item in want[: len(wushan)])
    # not vacuous: the fast path itself builds every Wushan line, with either decoder
    with _mode("json", monkeypatch):
        assert all(fastpath.subject_from_line(line) is not None for line in wushan)
    assert all(fastpath.subject_from_line(line) is not None for line in wushan)


def test_fuzzed_lines_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few thousand lines from the fuzz mutators (tests/fuzz/mutators.py), seeded."""
    rng = random.Random(14)
    lines = [MUTATORS.mutate_history_line(rng) for _ in range(2500)]
    # a mutated line may hold a line break (a mutated value); one line per item keeps the count
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    want = _agree(lines, monkeypatch)
    assert sum(isinstance(item, Loaded) for item in want) > 300
    assert sum(isinstance(item, Rejected) for item in want) > 300


#: Generated subjects for every bundled pack (its categories, record kinds and fields), from the
#: strategies the property tests use.
SHAPES = {name: pack_shape(medcredit.load_pack(name)) for name in ("wushan", "suixian", "zhongmou", "liaoning")}
CYCLE = {"liaoning": 2024}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@pytest.mark.parametrize("pack", sorted(SHAPES))
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_generated_subjects_read_the_same(
    pack: str, data: st.DataObject, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = data.draw(subject_data(SHAPES[pack], CYCLE.get(pack, 2023)))
    _agree([_json(subject, random.Random(seed))], monkeypatch)


# ----------------------------------------------------------------------------- boundary values

LINE = '{"id": "92500237MA5U000031", "category": "retail_pharmacy", "opened": "2010-01-01", "records": [%s]}'


def _rec(kind: str, **fields: str) -> str:
    """A record written out by hand: field values are JSON text, so numbers keep their spelling."""
    parts = [f'"kind": "{kind}"', '"date": "2023-05-01"'] + [f'"{k}": {v}' for k, v in fields.items()]
    return "{" + ", ".join(parts) + "}"


BOUNDARY_RECORDS: list[str] = [
    # dates: real days only, ISO calendar text only
    *(
        '{"kind": "inspection", "date": ' + d + "}"
        for d in (
            '"2023-02-29"',
            '"2024-02-29"',
            '"2023-1-01"',
            '"20230101"',
            '"2023-01-01T00:00:00"',
            '" 2023-01-01"',
            '"2023-01-01 "',
            '"0000-01-01"',
            '"0001-01-01"',
            '"9999-12-31"',
            '"２０２３-01-01"',
            '"\\u0662\\u0660\\u0662\\u0663-01-01"',
            "20230101",
            "null",
            "true",
        )
    ),
    # amounts (yuan, at most two decimals, 13 whole digits, not negative)
    *(
        _rec("audit_cut", amount=a)
        for a in (
            "1e3",
            "1E+3",
            '"1e3"',
            "1000.0",
            "12.345",
            '"12.345"',
            "12.340",
            '"007.50"',
            '" 7.5"',
            '"7.5 "',
            '"1_0"',
            '"+5"',
            '"-0"',
            "-0",
            "-0.00",
            "0",
            "0.00",
            "100",
            '"100"',
            "true",
            "9999999999999.99",
            "10000000000000",
            '"9999999999999.99"',
            '"99999999999999"',
            "1e-2",
            "NaN",
            "Infinity",
            '"NaN"',
            '"Infinity"',
            "18446744073709551616",
            "null",
            "[]",
        )
    ),
    # scores (-1000..1000, any decimals) and points (0..1000, two decimals)
    *(_rec("risk_assessment", year="2023", score=s) for s in ("-1000", "1000.0001", '"-0"', '"76.00"', "-0.5", "1e2")),
    *(_rec("violation", code='"inst_excessive_services"', points=p) for p in ("12", "4.5", '"4.50"', "4.555", "1001")),
    # integers where pydantic would coerce, and the ranges
    *(
        _rec("annual_assessment", year=y, level='"qualified"')
        for y in ("2023", '"2023"', "2023.0", "true", "1989", "2201")
    ),
    *(_rec("agreement_suspension", months=m) for m in ("0", "1200", "1201", "-1", "6.0", '"6"')),
    # booleans: JSON true/false only
    *(_rec("administrative_penalty", fulfilled=b) for b in ("true", "false", "1", '"true"', "null")),
    # words and literals
    *(
        _rec("violation", code='"inst_excessive_services"', severity=s)
        for s in ('"严重"', '"serious"', '"Serious"', '"重"')
    ),
    *(_rec("honour", level=v) for v in ('"国家级"', '"national"', '"excellent"', '"省级"')),
    *(_rec("annual_assessment", year="2023", level=v) for v in ('"excellent"', '"national"', '"优秀"')),
    _rec("inspection", method='"online"'),
    _rec("inspection", method='"by phone"'),
    # kinds, codes and the fields a kind allows
    _rec("fraud", code='"fraud_false_claims"'),
    _rec("fraud", code='"inst_excessive_services"'),
    _rec("violation", code='"fraud_false_claims"'),
    _rec("fund_recovery", amount='"10"', code='"inst_overcharging"'),
    _rec("fund_recovery", amount='"10"', code='"no_such_code"'),
    _rec("fund_recovery"),
    _rec("inspection", amount='"10"'),
    _rec("inspection", amount="null", code="null", document="null"),
    _rec("inspection", extra='"x"'),
    _rec("no_such_kind"),
    _rec("agreement_termination", reason='"voluntary"'),
    _rec("agreement_termination", reason='"no such reason"'),
    _rec("serious_list_entry", term_end='"2023-04-30"'),
    _rec("serious_list_entry", term_end='"2023-05-01"'),
    _rec("serious_list_entry", term_end='"2024-05-01"', term_months="12"),
    _rec("violation", code='"inst_excessive_services"', publicity_end='"2023-04-30"'),
    _rec("violation", code='"inst_excessive_services"', publicity_start='"2023-06-01"', publicity_end='"2023-05-31"'),
    _rec("violation", code='"inst_excessive_services"', publicity_start='"2023-04-01"', publicity_end='"2023-04-30"'),
    _rec("violation", code='"inst_excessive_services"', publicity_start='"2023-04-30"'),
    _rec("violation", code='"inst_excessive_services"', publicity_start='"2023-05-01"'),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "1"}'),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "pending"}'),
    _rec("repair_granted", ref='"r1"'),
    _rec("inspection", id='"%s"' % ("x" * 200)),
    _rec("inspection", id='"%s"' % ("x" * 201)),
    _rec("inspection", note='"a: b"'),
    _rec("inspection", id="5"),
    '{"kind": "inspection", "kind": "interview", "date": "2023-05-01"}',
    '{"kind": "inspection", "date": "2023-05-01", "date" : "2023-05-02"}',
    '{"kind" : "inspection", "date": "2023-05-01", "date":"2023-05-02"}',
    "[]",
    "null",
    '"inspection"',
]

BOUNDARY_LINES: list[str] = [
    *(LINE % r for r in BOUNDARY_RECORDS),
    # the subject's own fields
    '{"id": "", "category": "retail_pharmacy"}',
    '{"id": "%s", "category": "retail_pharmacy"}' % ("9" * 64),
    '{"id": "%s", "category": "retail_pharmacy"}' % ("9" * 65),
    '{"id": 5, "category": "retail_pharmacy"}',
    '{"id": "x", "category": "pharmacy"}',
    '{"id": "x", "category": "Retail_Pharmacy"}',
    '{"id": "x"}',
    '{"id": "x", "category": "village_clinic"}',
    '{"id": "x", "category": "village_clinic", "parent_id": ""}',
    '{"id": "x", "category": "village_clinic", "parent_id": "p"}',
    '{"id": "x", "category": "retail_pharmacy", "name": null, "parent_id": null, "opened": null, "designated": null}',
    '{"id": "x", "category": "retail_pharmacy", "records": null}',
    '{"id": "x", "category": "retail_pharmacy", "records": {}}',
    '{"id": "x", "category": "retail_pharmacy", "records": [], "linked_persons": [], "managed_clinics": [], '
    '"prior_results": [], "linked_institutions": []}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "1"}]}',
    '{"id": "x", "category": "retail_pharmacy", "agreement_end": {"date": "2023-01-01", "reason": "voluntary"}}',
    '{"id": "x", "category": "retail_pharmacy", "opened": "2023-02-01", '
    '"agreement_end": {"date": "2023-01-01", "reason": "voluntary"}}',
    '{"id": "x", "category": "retail_pharmacy", "agreement_end": {"date": "2023-01-01", "reason": "nope"}}',
    '{"id": "x", "category": "retail_pharmacy", "agreement_end": {"date": "2023-01-01"}}',
    '{"id": "x", "category": "retail_pharmacy", "agreement_end": null}',
    '{"id": "x", "category": "retail_pharmacy", "nmae": "typo"}',
    # what the decoders could disagree on: duplicate keys, colons in text, escapes, BOM, white space
    '{"id": "x", "id": "y", "category": "retail_pharmacy"}',
    '{"id": "x", "id" : "y", "category": "retail_pharmacy"}',
    '{"id" : "x", "category": "retail_pharmacy", "category":"retail_pharmacy"}',
    '{"id": "x", "category": "retail_pharmacy", "name": "a:b"}',
    '{"id": "x", "category": "retail_pharmacy", "name": "a\\u003ab", "name": "c"}',
    '{"id": "x\\u0041", "category": "retail_pharmacy", "name": "\\u5deb\\u5c71"}',
    '{"id": "x", "category": "retail_pharmacy", "name": "\\ud800"}',
    '\ufeff{"id": "x", "category": "retail_pharmacy"}',
    ' {"id": "x", "category": "retail_pharmacy"} ',
    '{"id": "x", "category": "retail_pharmacy"}\x0c',
    '{"id": "x", "category": "retail_pharmacy"} {}',
    '{"id": "x", "category": "retail_pharmacy",}',
    '{"id": "x", "category": "retail_pharmacy", "records": [{"kind": "audit_cut", "date": "2023-01-01", '
    '"amount": 1.5}, {"kind": "audit_cut", "date": "2023-01-01", "amount": 1.5}]}',
    '{"id": "x", "category": "retail_pharmacy", "records": [{"kind": "audit_cut", "date": "2023-01-01", '
    '"amount": 1e400}]}',
    '{"id": "x", "category": "retail_pharmacy", "records": [{"kind": "audit_cut", "date": "2023-01-01", '
    '"amount": %s}]}' % ("9" * 40),
]


@pytest.mark.parametrize("line", BOUNDARY_LINES)
def test_boundary_values_read_as_pydantic_reads_them(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree([line], monkeypatch)


def test_the_fast_path_takes_the_plain_common_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: values pydantic accepts as written are built by hand (checked equal above)."""
    taken = [
        _rec("audit_cut", amount="100"),
        _rec("audit_cut", amount='"007.50"'),
        _rec("audit_cut", amount="12.34"),
        _rec("audit_cut", amount="0.00"),
        _rec("risk_assessment", year="2023", score='"-0"'),
        _rec("violation", code='"inst_excessive_services"', severity='"严重"', points='"4.50"'),
        _rec("honour", level='"国家级"'),
        _rec("inspection", amount="null", code="null", document="null"),
        '{"kind": "inspection", "date": "2024-02-29"}',
    ]
    for mode in MODES:
        with _mode(mode, monkeypatch):
            for record in taken:
                assert fastpath.subject_from_line(LINE % record) is not None, (mode, record)
    duplicate = '{"id": "x", "id": "y", "category": "retail_pharmacy"}'
    assert fastpath.subject_from_line(duplicate) is None


# ----------------------------------------------------------------------------- work


def _profile(action: Any) -> tuple[int, dict[str, int]]:
    """Python and C function calls made by ``action`` (no clock), and the Python ones by name."""
    events = 0
    names: dict[str, int] = {}

    def hook(frame: Any, event: str, _arg: Any) -> None:
        nonlocal events
        if event in ("call", "c_call"):
            events += 1
            if event == "call":
                names[frame.f_code.co_name] = names.get(frame.f_code.co_name, 0) + 1

    sys.setprofile(hook)
    try:
        action()
    finally:
        sys.setprofile(None)
    return events, names


#: The history model's validators, written in Python: what validation costs beyond pydantic's core.
VALIDATORS = ("_fields_fit_kind", "_known_kind", "_severity_words", "_level_words", "_consistent", "model_validate")


@pytest.mark.parametrize("mode", MODES)
def test_the_fast_path_skips_validation_work(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the Wushan workload runs none of the model's validators and fewer calls than pydantic.

    Bounded by counting calls (sys.setprofile), not by a clock.  pydantic's own core is compiled and
    makes no calls the profiler sees, so the pydantic side is undercounted: the bound is generous.
    """
    lines = list(GENERATE.generate(200, 5))
    text = "".join(line + "\n" for line in lines)

    def read() -> None:
        items = list(iter_jsonl(io.StringIO(text), "h.jsonl"))
        assert len(items) == len(lines) and all(isinstance(item, Loaded) for item in items)

    with _mode("pydantic", monkeypatch):
        read()  # warm the catalogue and the plans
        slow, slow_names = _profile(read)
    with _mode(mode, monkeypatch):
        read()
        fast, fast_names = _profile(read)
    assert all(slow_names.get(name, 0) > 0 for name in ("_fields_fit_kind", "model_validate"))
    assert not {name: fast_names[name] for name in VALIDATORS if name in fast_names}
    assert fast < 0.7 * slow, (fast, slow)


def test_the_core_install_reads_without_orjson() -> None:
    """Without orjson (the core install) the reader decodes with json and prints the same bytes."""
    source = ROOT / "examples" / "wushan-subjects.jsonl"
    runs = []
    for blocked in (True, False):
        script = (
            "import sys\n"
            + ("sys.modules['orjson'] = None  # import orjson raises ImportError\n" if blocked else "")
            + "import medcredit.history.fastpath as fast\n"
            + f"assert fast.HAVE_ORJSON is {not blocked}\n"
            + "from medcredit.cli.main import main\n"
            + "sys.exit(main(['evaluate', '--pack', 'wushan', '--cycle', '2023', sys.argv[1], '--format', 'jsonl']))\n"
        )
        done = subprocess.run([sys.executable, "-c", script, str(source)], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()
        runs.append(done.stdout)
    assert runs[0] == runs[1] and runs[0].count(b"\n") > 3


PEOPLE_LINES = [
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "1"}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "1", "name": null, '
    '"records": [{"kind": "violation", "date": "2023-05-01", "code": "inst_excessive_services", "points": 12}]}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "boss", "id": "1"}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": ["principal"], "id": "1"}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal"}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": ""}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "1", "age": 3}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "1", "records": null}]}',
    '{"id": "x", "category": "retail_pharmacy", "linked_persons": {"role": "principal", "id": "1"}}',
    '{"id": "x", "category": "hospital_inpatient", "managed_clinics": [{"id": "VC1", "records": '
    '[{"kind": "inspection", "date": "2023-11-08", "method": "on_site"}]}]}',
    '{"id": "x", "category": "physician", "managed_clinics": [{"id": "VC1"}]}',
    '{"id": "x", "category": "physician", "managed_clinics": []}',
    '{"id": "x", "category": "hospital_inpatient", "managed_clinics": [{"id": "VC1", "role": "principal"}]}',
    '{"id": "x", "category": "hospital_inpatient", "managed_clinics": [{"id": "VC1", "id": "VC2"}]}',
    '{"id": "x", "category": "hospital_inpatient", "managed_clinics": [{"id": "VC1", "records": '
    '[{"kind": "inspection", "date": "2023-11-08", "date": "2023-11-09"}]}]}',
]


@pytest.mark.parametrize("line", PEOPLE_LINES)
def test_linked_persons_and_managed_clinics_read_as_pydantic_reads_them(
    line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _agree([line], monkeypatch)


def test_people_are_built_by_hand() -> None:
    for line in (PEOPLE_LINES[0], PEOPLE_LINES[1], PEOPLE_LINES[9], PEOPLE_LINES[11]):
        assert fastpath.subject_from_line(line) is not None, line


NESTED_RECORDS = [
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "1"}'),
    _rec(
        "administrative_penalty", document='{"kind": "judgment", "number": "(2023)渝0237行初1号", "date": "2023-04-01"}'
    ),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": ""}'),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "%s"}' % ("9" * 201)),
    _rec("administrative_penalty", document='{"kind": "verdict", "number": "1"}'),
    _rec("administrative_penalty", document='{"kind": "judgment"}'),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "1", "date": "2023-02-30"}'),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "1", "page": 2}'),
    _rec("administrative_penalty", document='{"kind": "judgment", "number": "1", "number": "2"}'),
    _rec("administrative_penalty", document='["judgment"]'),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "pending"}'),
    _rec(
        "inspection", objection='{"filed": "2023-06-01", "status": "upheld", "resolved": "2023-06-01", "reason": "r"}'
    ),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "upheld", "resolved": "2023-05-31"}'),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "upheld", "resolved": null, "reason": null}'),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "won"}'),
    _rec("inspection", objection='{"status": "pending"}'),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "pending", "reason": "%s"}' % ("x" * 2001)),
    _rec("inspection", objection='{"filed": "2023-06-01", "status": "pending", "by": "me"}'),
    _rec("inspection", objection='{"filed": "2023-06-01", "filed": "2023-06-02", "status": "pending"}'),
]


@pytest.mark.parametrize("record", NESTED_RECORDS)
def test_documents_and_objections_read_as_pydantic_reads_them(record: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree([LINE % record], monkeypatch)


def test_documents_and_objections_are_built_by_hand() -> None:
    for record in (NESTED_RECORDS[0], NESTED_RECORDS[1], NESTED_RECORDS[10], NESTED_RECORDS[11], NESTED_RECORDS[13]):
        assert fastpath.subject_from_line(LINE % record) is not None, record


def test_threads_reading_at_once_get_what_one_thread_gets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan and date memos are filled by whichever thread comes first (the service reads in threads)."""
    import threading

    lines = list(GENERATE.generate(300, 11))
    want = _read(lines, "pydantic", monkeypatch)
    monkeypatch.setattr(fastpath, "_PLANS", {})
    monkeypatch.setattr(fastpath, "_DATES", {})
    monkeypatch.setattr(fastpath, "DATE_MEMO", 50)  # full early: some days are remembered, some not
    got: list[list[Item]] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            got.append(list(iter_jsonl(io.StringIO("".join(line + "\n" for line in lines)), "h.jsonl")))
        except BaseException as exc:  # pragma: no cover - what the test is looking for
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(got) == 4
    for items in got:
        _same_items(items, want)
    assert len(fastpath._DATES) <= 50


PRIOR = '{"id": "x", "category": "physician", "prior_results": [%s]}'
PRIOR_RESULTS = [
    '{"cycle": 2022, "grade": "D"}',
    '{"cycle": 2022, "status": "graded", "grade": "D", "score": "61.5", "pack_id": "wushan", "pack_hash": "h"}',
    '{"as_of": "2021-12-31", "status": "excluded"}',
    '{"cycle": 2022, "grade": "D"}, {"as_of": "2021-12-31", "status": "excluded"}',
    '{"cycle": 2022, "grade": "D"}, {"as_of": "2022-12-31", "status": "excluded"}',
    '{"cycle": 2022, "grade": "D"}, {"cycle": 2022, "grade": "C"}',
    '{"cycle": 2022, "as_of": "2022-12-31", "grade": "D"}',
    '{"grade": "D"}',
    '{"cycle": 2022}',
    '{"cycle": 2022, "status": "excluded", "grade": "D"}',
    '{"cycle": 2022, "status": "excluded", "grade": null}',
    '{"cycle": 1989, "grade": "D"}',
    '{"cycle": "2022", "grade": "D"}',
    '{"cycle": 2022, "grade": "ABCDEFGHIJKLMNOPQ"}',
    '{"cycle": 2022, "grade": "D", "score": 10001}',
    '{"cycle": 2022, "grade": "D", "score": -10000}',
    '{"cycle": 2022, "grade": "D", "score": 1e3}',
    '{"cycle": 2022, "grade": "D", "rank": 1}',
    '{"cycle": 2022, "status": "won", "grade": "D"}',
]


@pytest.mark.parametrize("prior", PRIOR_RESULTS)
def test_prior_results_read_as_pydantic_reads_them(prior: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree([PRIOR % prior], monkeypatch)


def test_prior_results_are_built_by_hand() -> None:
    for prior in (*PRIOR_RESULTS[:4], PRIOR_RESULTS[10], PRIOR_RESULTS[15]):
        assert fastpath.subject_from_line(PRIOR % prior) is not None, prior


INSTITUTION = (
    '{"id": "92500237MA5U000031", "category": "retail_pharmacy", "linked_persons": [{"role": "principal", "id": "p"}]}'
)


def _linked(category: str, *institutions: str) -> str:
    return '{"id": "p", "category": "' + category + '", "linked_institutions": [' + ", ".join(institutions) + "]}"


LINKED = [
    _linked("principal", INSTITUTION),
    _linked("principal", INSTITUTION, INSTITUTION),
    _linked("principal"),
    _linked("retail_pharmacy", INSTITUTION),
    _linked("retail_pharmacy"),
    _linked("principal", '{"id": "q", "category": "physician"}'),
    _linked("principal", '{"id": "q", "category": "village_clinic"}'),
    _linked("principal", '{"id": "q"}'),
    '{"id": "p", "category": "principal", "linked_institutions": {"id": "q"}}',
    _linked("principal", _linked("retail_pharmacy", INSTITUTION).replace('"p"', '"q"', 1)),
]


@pytest.mark.parametrize("line", LINKED)
def test_linked_institutions_read_as_pydantic_reads_them(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree([line], monkeypatch)


def test_linked_institutions_are_built_by_hand() -> None:
    for line in LINKED[:3] + LINKED[4:5]:
        assert fastpath.subject_from_line(line) is not None, line


def test_institutions_linked_thousands_deep_are_left_to_pydantic() -> None:
    nested: dict[str, Any] = {"id": "q", "category": "retail_pharmacy"}
    for _ in range(3000):
        nested = {"id": "p", "category": "principal", "linked_institutions": [nested]}
    assert fastpath.build_subject(nested) is None
