"""Whole-column validation reports exactly what the earlier validation reported.

The reference below is the validation of the columnar path as it was before it was made
faster (git history: ``src/medcredit/columnar/schema.py`` at fa67fe1): a dictionary-encoding
join of records to subjects, ``is_in`` passes per rule and a per-row ``Decimal`` check of every
score and points value.  Fuzzed tables (deterministic seed) with mutated cells, chunked columns
and ill-typed columns must give the same problems from both: same code, message, table, row
and column, in the same order.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

import pyarrow.compute as pc  # noqa: E402

from medcredit.columnar import schema, subjects_to_tables  # noqa: E402
from medcredit.columnar.keys import subject_rows_hashed  # noqa: E402
from medcredit.columnar.schema import (  # noqa: E402
    _CHOICES,
    _KIND_FIELDS,
    _LENGTHS,
    _RANGES,
    AMOUNT_TYPE,
    RECORD_COLUMNS,
    RECORD_REQUIRED,
    SUBJECT_COLUMNS,
    SUBJECT_REQUIRED,
    _cast,
    _check_subjects,
    _Collector,
    _did_you_mean,
    _not_in,
    _null,
    _one,
    _too_long,
)
from medcredit.diagnostics.errors import HistoryError  # noqa: E402
from medcredit.diagnostics.problems import Problem  # noqa: E402
from medcredit.history.catalogue import catalogue  # noqa: E402
from medcredit.history.model import REQUIRED_FIELDS, Subject  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

import population  # noqa: E402
from generate import generate  # noqa: E402

# ---- the reference: the earlier validation, kept verbatim apart from names -------------------------


def _reference_problems(subjects: pa.Table, records: pa.Table) -> list[Problem]:
    out = _Collector()
    s = _reference_conform(subjects, "subjects", SUBJECT_COLUMNS, SUBJECT_REQUIRED, out)
    r = _reference_conform(records, "records", RECORD_COLUMNS, RECORD_REQUIRED, out)
    if s is None or r is None:
        return out.problems
    _check_subjects(s, "subjects", out)
    ids = _one(s.column("id"))
    rows, duplicate = subject_rows_hashed(_one(r.column("subject_id")), ids)
    out.cells("subjects", "id", duplicate, "duplicate-id", "subject id {value} occurs more than once", ids)
    _reference_check_records(r, "records", rows, out)
    return out.problems


def _reference_conform(
    table: pa.Table, name: str, columns: dict[str, Any], required: tuple[str, ...], out: _Collector
) -> pa.Table | None:
    arrays = []
    for column in table.column_names:
        if column not in columns:
            out.column(name, column, "unknown-column", f"unknown column '{column}'" + _did_you_mean(column, columns))
    for column, wanted in columns.items():
        if column not in table.column_names:
            if column in required:
                out.column(name, column, "missing-column", f"required column '{column}' is missing")
            arrays.append(pa.nulls(len(table), wanted))
            continue
        data = _one(table.column(column)) if table.num_rows else pa.array([], wanted)
        if data.type != wanted:
            try:
                data = _cast(data, wanted)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                out.column(
                    name, column, "column-type", f"column '{column}' has type {data.type}, expected {wanted} ({exc})"
                )
                arrays.append(pa.nulls(len(table), wanted))
                continue
        arrays.append(data)
    if out.problems:
        return None
    return pa.table(arrays, names=list(columns))


def _reference_check_records(r: pa.Table, name: str, rows: np.ndarray, out: _Collector) -> None:
    cat = catalogue()
    col = {c: _one(r.column(c)) for c in r.column_names}
    for column in RECORD_REQUIRED:
        out.cells(name, column, _null(col[column]), "required", f"'{column}' is required")
    out.cells(
        name,
        "subject_id",
        (rows < 0) & ~_null(col["subject_id"]),
        "unknown-subject",
        "no subject with id {value} in the subjects table",
        col["subject_id"],
    )
    kind = col["kind"]
    kinds = sorted(cat.record_kinds)
    out.cells(name, "kind", _not_in(kind, kinds), "kind", "unknown record kind {value}", kind)
    for column, limit in _LENGTHS.items():
        out.cells(
            name, column, _too_long(col[column], limit), "too-long", f"'{column}' is longer than {limit} characters"
        )
    for column, allowed in _CHOICES.items():
        out.cells(
            name,
            column,
            _not_in(col[column], allowed),
            "choice",
            f"'{column}' must be one of {', '.join(allowed)}; got {{value}}",
            col[column],
        )
    for column, (low, high) in _RANGES.items():
        data = col[column]
        bad = pc.or_(pc.less(data, low), pc.greater(data, high)).fill_null(False)
        out.cells(
            name,
            column,
            np.asarray(bad, dtype=bool),
            "range",
            f"'{column}' must be between {low} and {high}; got {{value}}",
            data,
        )
    negative = pc.less(col["amount"], pa.scalar(Decimal(0), AMOUNT_TYPE)).fill_null(False)
    out.cells(name, "amount", np.asarray(negative, dtype=bool), "range", "amounts are never negative")
    # a field the kind does not take is an error, not ignored (history.model.Record)
    kind_code = np.asarray(pc.index_in(kind, value_set=pa.array(kinds, pa.string())).fill_null(-1), dtype=np.int64)
    for field in _KIND_FIELDS:
        if col[field].null_count == len(col[field]):
            continue
        takes = np.array([field in cat.record_kinds[k].fields for k in kinds] + [True])  # last: unknown kind
        out.cells(
            name,
            field,
            ~_null(col[field]) & ~takes[kind_code],
            "field-not-for-kind",
            f"field '{field}' does not apply to record kind {{value}}",
            kind,
        )
    for k, needed in REQUIRED_FIELDS.items():
        is_kind = kind_code == kinds.index(k)
        for field in needed:
            out.cells(
                name, field, is_kind & _null(col[field]), "missing-for-kind", f"record kind '{k}' needs field '{field}'"
            )
    code = col["code"]
    out.cells(name, "code", _not_in(code, sorted(cat.violations)), "code", "unknown violation code {value}", code)
    fraud_codes = sorted(cat.fraud_codes)
    is_fraud_code = np.asarray(
        pc.is_in(code, value_set=pa.array(fraud_codes, pa.string())).fill_null(False), dtype=bool
    )
    plain = ~_null(code) & ~is_fraud_code & ~_not_in(code, sorted(cat.violations))
    is_kind_fraud = kind_code == kinds.index("fraud")
    is_kind_violation = kind_code == kinds.index("violation")
    out.cells(
        name,
        "code",
        is_kind_fraud & plain,
        "not-fraud-code",
        "record kind 'fraud' needs a fraud code (条例第四十条 or 第四十一条第二款); "
        "{value} is not one: use kind 'violation'",
        code,
    )
    out.cells(
        name,
        "code",
        is_kind_violation & is_fraud_code,
        "fraud-as-violation",
        "{value} is fraud (条例第四十条/第四十一条第二款): use record kind 'fraud'",
        code,
    )
    termination = kind_code == kinds.index("agreement_termination")
    out.cells(
        name,
        "reason",
        termination & _not_in(col["reason"], sorted(cat.agreement_end_reasons)),
        "reason",
        "unknown agreement end reason {value}",
        col["reason"],
    )
    _reference_check_scores(col["score"], name, out)
    _reference_check_points(col["points"], name, out)
    out.cells(
        name,
        "document_number",
        _null(col["document_kind"]) != _null(col["document_number"]),
        "document",
        "a document needs both document_kind and document_number",
    )
    out.cells(
        name,
        "document_number",
        _too_long(col["document_number"], 200),
        "too-long",
        "'document_number' is longer than 200 characters",
    )
    out.cells(
        name,
        "document_date",
        ~_null(col["document_date"]) & _null(col["document_kind"]),
        "document",
        "document_date without document_kind",
    )
    objection_set = ~_null(col["objection_status"])
    for field in ("objection_filed", "objection_resolved", "objection_reason"):
        need = _null(col[field]) if field == "objection_filed" else np.zeros(len(r), dtype=bool)
        stray = ~_null(col[field]) & ~objection_set
        out.cells(
            name,
            field,
            (objection_set & need) | stray,
            "objection",
            "an objection needs objection_status and objection_filed together",
        )
    early = pc.less(col["objection_resolved"], col["objection_filed"]).fill_null(False)
    out.cells(
        name,
        "objection_resolved",
        np.asarray(early, dtype=bool),
        "date-order",
        "objection resolved before it was filed",
    )
    out.cells(
        name,
        "clinic_name",
        ~_null(col["clinic_name"]) & _null(col["clinic_id"]),
        "clinic",
        "clinic_name without clinic_id",
    )


def _reference_check_points(points: pa.Array, name: str, out: _Collector) -> None:
    bad = np.zeros(len(points), dtype=bool)
    for row in np.flatnonzero(~_null(points)):
        try:
            value = Decimal(points[int(row)].as_py())
        except InvalidOperation:
            bad[row] = True
            continue
        exponent = value.as_tuple().exponent
        bad[row] = not value.is_finite() or not 0 <= value <= 1000 or (isinstance(exponent, int) and exponent < -2)
    message = "points must be a decimal from 0 to 1000 with at most two places; got {value}"
    out.cells(name, "points", bad, "points", message, points)


def _reference_check_scores(scores: pa.Array, name: str, out: _Collector) -> None:
    bad = np.zeros(len(scores), dtype=bool)
    for row in np.flatnonzero(~_null(scores)):
        text = scores[int(row)].as_py()
        try:
            value = Decimal(text)
        except InvalidOperation:
            bad[row] = True
            continue
        bad[row] = not value.is_finite() or not Decimal(-1000) <= value <= Decimal(1000)
    out.cells(name, "score", bad, "score", "score must be a decimal between -1000 and 1000; got {value}", scores)


# ---- fuzzed tables ------------------------------------------------------------------------------


def _base() -> tuple[pa.Table, pa.Table]:
    subjects = [Subject.model_validate(d) for d in population.population(80, 5)]
    # the two generators can make the same USCC: the bench's ids get a suffix
    subjects += [
        Subject.model_validate_json(line).model_copy(update={"id": f"W{k:017d}"})
        for k, line in enumerate(generate(80, 3))
    ]
    return subjects_to_tables(subjects)


BASE_SUBJECTS, BASE_RECORDS = _base()
CAT = catalogue()
_DAY = dt.date(2023, 6, 1)
_CHOICE_VALUES: dict[str, list[Any]] = {
    "kind": [*sorted(CAT.record_kinds)[::3], "interveiw", "", "Inspection", None],
    "code": [*sorted(CAT.violations)[::4], *sorted(CAT.fraud_codes), "nope", "", None],
    "score": [
        *("76.00", "-0", "1000", "1000.0", "1000.01", "-1000", "-1000.5", "1e2", " 5", "5.", ".5", "+5"),
        *("NaN", "sNaN", "Infinity", "abc", "١٢", "12.345678", "", None, "0.000000001", "999.999", "0999"),
    ],
    "points": [
        *("0", "1000", "1000.00", "1000.001", "5.5", "5.55", "5.555", "-1", "-0", "1e1", "1E-2", " 7"),
        *("NaN", "x", None, "010.10", "1000.10"),
    ],
    "method": [*_CHOICES["method"], "offsite", None],
    "severity": [*_CHOICES["severity"], "grave", None],
    "objection_status": [*_CHOICES["objection_status"], "maybe", None],
    "document_kind": [*_CHOICES["document_kind"], "letter", None],
    "document_number": ["渝医保〔2023〕1号", "x" * 201, None],
    "level": ["excellent", "qualified", "weird", None],
    "reason": [*sorted(CAT.agreement_end_reasons), "whatever", None],
    "year": [2023, 1989, 1990, 2200, 2201, None],
    "months": [-1, 0, 1200, 1201, None],
    "term_months": [-5, 12, 1300, None],
    "amount": [Decimal("1.00"), Decimal("-0.01"), Decimal("0.00"), Decimal("99999999.99"), None],
    "date": [_DAY, dt.date(1999, 1, 1), None],
    "objection_filed": [_DAY, dt.date(2023, 7, 1), None],
    "objection_resolved": [_DAY, dt.date(2023, 5, 1), None],
    "objection_reason": ["逾期", None],
    "document_date": [_DAY, None],
    "clinic_id": ["VC1", "c" * 65, None],
    "clinic_name": ["村卫生室", None],
    "note": ["n" * 2001, "ok", None],
    "fulfilled": [True, False, None],
    "ref": ["r" * 201, None],
}


def _mutated(rng: random.Random) -> tuple[pa.Table, pa.Table]:
    records = {c: BASE_RECORDS.column(c).to_pylist() for c in BASE_RECORDS.column_names}
    subjects = {c: BASE_SUBJECTS.column(c).to_pylist() for c in BASE_SUBJECTS.column_names}
    ids = subjects["id"]
    n = len(records["kind"])
    for _ in range(rng.choice([0, 1, 3, 8, 30])):
        column = rng.choice([*_CHOICE_VALUES, "subject_id", "subject_id"])
        values = _CHOICE_VALUES.get(column) or [rng.choice(ids), "nobody", None, ""]
        records[column][rng.randrange(n)] = rng.choice(values)
    if rng.random() < 0.15:
        ids[rng.randrange(len(ids))] = rng.choice(ids)  # a repeated subject id
    if rng.random() < 0.1:
        subjects["category"][rng.randrange(len(ids))] = rng.choice(["pharmacy", None])
    if rng.random() < 0.3:  # records shuffled: runs of a subject's records split up
        order = list(range(n))
        rng.shuffle(order)
        records = {c: [v[i] for i in order] for c, v in records.items()}
    r = pa.table({c: pa.array(v, RECORD_COLUMNS[c]) for c, v in records.items()})
    s = pa.table({c: pa.array(v, SUBJECT_COLUMNS[c]) for c, v in subjects.items()})
    roll = rng.random()
    if roll < 0.1:  # an all-null column of a type that cannot be an amount
        r = r.set_column(r.column_names.index("amount"), "amount", pa.nulls(len(r), pa.float64()))
    elif roll < 0.2:  # an optional column left out, an integer column of a wider type
        r = r.drop_columns(["note"])
        r = r.set_column(r.column_names.index("year"), "year", r.column("year").cast(pa.int64()))
    if rng.random() < 0.5:  # several chunks, as a Parquet file with row groups reads
        cut = rng.randrange(1, len(r))
        r = pa.concat_tables([r.slice(0, cut), r.slice(cut)])
    return s, r


def _problems(subjects: pa.Table, records: pa.Table) -> list[tuple[Any, ...]]:
    try:
        schema.validate(subjects, records)
    except HistoryError as exc:
        return [(p.code, p.message, p.file, p.line, p.path) for p in exc.problems]
    return []


@pytest.mark.parametrize("seed", range(3))
def test_problems_are_those_of_the_earlier_validation(seed: int) -> None:
    rng = random.Random(seed)
    outcomes = []
    for _ in range(25):
        s, r = _mutated(rng)
        want = [(p.code, p.message, p.file, p.line, p.path) for p in _reference_problems(s, r)]
        assert _problems(s, r) == want
        outcomes.append(bool(want))
    assert any(outcomes) and not all(outcomes)  # both clean and faulty tables were compared


def test_every_score_and_points_spelling_is_judged_as_before() -> None:
    rng = random.Random(7)
    alphabet = "0123456789.-+eE _١"
    texts = [*_CHOICE_VALUES["score"], *_CHOICE_VALUES["points"]]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(3000)]
    column = pa.array(texts, pa.string())
    for check, reference in (
        (schema._check_scores, _reference_check_scores),
        (schema._check_points, _reference_check_points),
    ):
        got, want = _Collector(), _Collector()
        check(column, "records", got)
        reference(column, "records", want)
        assert [(p.line, p.message) for p in got.problems] == [(p.line, p.message) for p in want.problems]
        assert got.problems  # some spellings were bad
