"""Tests of subject histories: strict, located validation of JSON, JSONL and YAML (history.model, history.reader).

Fixtures live in ``fixtures/bad_histories``; expected lines are found by
searching the fixture text, so the tests survive edits to the fixtures.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from medcredit.diagnostics.errors import HistoryError
from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Record, Subject
from medcredit.history.reader import Loaded, Rejected, detect_format, iter_subjects, load_subject, parse_json
from medcredit.pack.loader import load_pack

HISTORIES = Path(__file__).parent / "fixtures" / "bad_histories"
YAML_FILE = HISTORIES / "bad_subjects.yaml"
JSON_FILE = HISTORIES / "bad_subjects.json"
JSONL_FILE = HISTORIES / "bad_lines.jsonl"


def line_of(path: Path, needle: str) -> int:
    """1-based number of the only line of ``path`` containing ``needle``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} on lines {hits} of {path.name}"
    return hits[0]


def items(path: Path) -> list[Loaded | Rejected]:
    return list(iter_subjects(path))


def rejected_at(path: Path, line: int) -> Rejected:
    """The rejected item with a problem on ``line`` (exactly one must exist)."""
    found = [it for it in items(path) if isinstance(it, Rejected) and any(p.line == line for p in it.problems)]
    assert len(found) == 1, f"no single rejected item with a problem on line {line}: {found}"
    return found[0]


# ------------------------------------------------------------------ YAML

# marker comment in the fixture, code (prefix), end of the field path, suggestion
YAML_DEFECTS: list[tuple[str, str, tuple[Any, ...], str | None]] = [
    ("# <- unknown record kind", "history-unknown-record-kind", ("records", 1, "kind"), "interview"),
    ("# <- missing date", "history-missing", ("records", 0, "date"), None),
    ("# <- impossible date", "history-date", ("records", 0, "date"), None),
    ("# <- negative amount", "history-greater-than-equal", ("records", 0, "amount"), None),
    ("# <- non-numeric amount", "history-decimal", ("records", 0, "amount"), None),
    ("# <- three decimal places", "history-decimal-max-places", ("records", 0, "amount"), None),
    ("# <- not a number", "history-", ("records", 0, "amount"), None),
    ("# <- fraud kind with a non-fraud code", "history-not-fraud-code", ("records", 0), None),
    ("# <- violation kind with a fraud code", "history-fraud-as-violation", ("records", 0), None),
    ("# <- field that does not belong to the kind", "history-field-not-for-kind", ("records", 0), None),
]


@pytest.mark.parametrize(("marker", "code", "tail", "suggestion"), YAML_DEFECTS, ids=[d[0][5:] for d in YAML_DEFECTS])
def test_yaml_bad_subject_is_rejected_at_the_offending_line(
    marker: str, code: str, tail: tuple[Any, ...], suggestion: str | None
) -> None:
    """Each defective subject is Rejected with one problem naming file, the field's line and its YAML path."""
    line = line_of(YAML_FILE, marker)
    item = rejected_at(YAML_FILE, line)
    (p,) = item.problems
    assert p.code.startswith(code), p.render()
    assert p.file == str(YAML_FILE)
    assert p.level == "error"
    assert p.path[0] == "subjects"
    assert isinstance(p.path[1], int)
    assert p.path[2:] == tail
    assert p.suggestion == suggestion
    if suggestion:
        assert f"did you mean '{suggestion}'?" in p.render()


def test_yaml_rejected_item_names_the_subjects_line() -> None:
    """A rejected subject's ``where`` is ``file:line`` of the subject's first line."""
    item = rejected_at(YAML_FILE, line_of(YAML_FILE, "# <- unknown record kind"))
    assert item.where == f"{YAML_FILE}:{line_of(YAML_FILE, '- id: 92500237MA5U00001T')}"


def test_yaml_stray_field_is_named_in_the_message() -> None:
    """A field that does not belong to the record kind is named, with the fields that are allowed."""
    p = rejected_at(YAML_FILE, line_of(YAML_FILE, "# <- field that does not belong")).problems[0]
    assert "amount" in p.message
    assert "'inspection'" in p.message


def test_yaml_good_subjects_still_load_after_bad_ones() -> None:
    """Bad subjects do not stop the document: the 2 good subjects after 10 bad ones load."""
    got = items(YAML_FILE)
    assert sum(isinstance(i, Rejected) for i in got) == 10
    loaded = [i for i in got if isinstance(i, Loaded)]
    assert [i.subject.id for i in loaded] == ["92500237MA5U00001A", "92500237MA5U00002X"]


def test_yaml_amounts_are_exact_decimals() -> None:
    """A YAML amount 0.10 is Decimal('0.10'), not a float."""
    loaded = [i for i in items(YAML_FILE) if isinstance(i, Loaded)]
    amount = loaded[-1].subject.records[1].amount
    assert type(amount) is Decimal
    assert amount == Decimal("0.10")


# ------------------------------------------------------------------ JSON document

# unique text on the offending line, code (prefix), end of path, suggestion
JSON_DEFECTS: list[tuple[str, str, tuple[Any, ...], str | None]] = [
    ('"kind": "intervew"', "history-unknown-record-kind", ("records", 1, "kind"), "interview"),
    ('"2023-02-30"', "history-date", ("records", 0, "date"), None),
    ('"amount": -5.00', "history-greater-than-equal", ("records", 0, "amount"), None),
    ('"12 yuan"', "history-decimal", ("records", 0, "amount"), None),
    ('"amount": 1.005', "history-decimal-max-places", ("records", 0, "amount"), None),
]


@pytest.mark.parametrize(("needle", "code", "tail", "suggestion"), JSON_DEFECTS, ids=[d[0] for d in JSON_DEFECTS])
def test_json_bad_subject_is_rejected_at_the_offending_line(
    needle: str, code: str, tail: tuple[Any, ...], suggestion: str | None
) -> None:
    """In a JSON document each problem names the file, the real line of the field and its path."""
    item = rejected_at(JSON_FILE, line_of(JSON_FILE, needle))
    (p,) = item.problems
    assert p.code.startswith(code), p.render()
    assert p.file == str(JSON_FILE)
    assert isinstance(p.path[0], int)
    assert p.path[1:] == tail
    assert p.suggestion == suggestion


def test_json_missing_date_is_reported_at_the_record() -> None:
    """A record without its date is reported at the record's opening line with path ...records[0].date."""
    lines = JSON_FILE.read_text(encoding="utf-8").splitlines()
    method_line = line_of(JSON_FILE, '"method": "on_site"')
    record_line = max(i for i in range(1, method_line) if lines[i - 1].strip() == "{")
    (p,) = rejected_at(JSON_FILE, record_line).problems
    assert p.code == "history-missing"
    assert p.path[1:] == ("records", 0, "date")


def test_json_float_like_numbers_are_exact_decimals() -> None:
    """JSON numbers 1234.10 and 0.1 become Decimal('1234.10') and Decimal('0.1') exactly, never floats."""
    (good,) = [i for i in items(JSON_FILE) if isinstance(i, Loaded)]
    amounts = [r.amount for r in good.subject.records]
    assert amounts == [None, Decimal("1234.10"), Decimal("0.1")]
    assert all(type(a) is Decimal for a in amounts[1:])
    assert good.subject.records[1].amount_fen == 123410


def test_parse_json_is_exact_and_strict() -> None:
    """parse_json reads decimals exactly and refuses NaN, Infinity and duplicate keys."""
    assert parse_json('{"a": 0.1, "b": 1e2, "c": 7}') == {"a": Decimal("0.1"), "b": Decimal("1E+2"), "c": 7}
    for text in ('{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1, "a": 2}'):
        with pytest.raises(ValueError, match=r"."):
            parse_json(text)


def test_json_duplicate_key_is_refused_at_the_duplicate() -> None:
    """A JSON object with a repeated key is rejected at the repeated key's line (JSON would keep the last)."""
    path = HISTORIES / "duplicate_key.json"
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert p.code.endswith("duplicate-key")
    assert p.line == line_of(path, '"category": "outpatient_clinic"')
    assert "'category'" in p.message


@pytest.mark.parametrize(("fixture", "needle"), [("nan_amount.json", "NaN"), ("infinity_amount.json", "Infinity")])
def test_json_nan_and_infinity_are_refused_at_their_line(fixture: str, needle: str) -> None:
    """NaN and Infinity amounts are refused (history-json) with the line where they stand."""
    path = HISTORIES / fixture
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert p.code == "history-json"
    assert needle in p.message
    assert p.line == line_of(path, needle)


def test_tab_indented_json_keeps_real_lines() -> None:
    """A valid JSON file indented with tabs still reports the real line of the bad field."""
    path = HISTORIES / "tab_indented.json"
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert p.code == "history-unknown-record-kind"
    assert p.line == line_of(path, '"intervew"')


def test_malformed_json_document_is_a_located_problem() -> None:
    """A truncated JSON document is one history-json problem with a real line number."""
    path = HISTORIES / "malformed.json"
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert p.code == "history-json"
    assert p.line >= 1
    assert p.file == str(path)


# ------------------------------------------------------------------ JSONL

# JSONL line (unique id on it), code (prefix), path, suggestion
JSONL_DEFECTS: list[tuple[str, str, tuple[Any, ...], str | None]] = [
    ("92500237MA5U00002X", "history-unknown-record-kind", ("records", 0, "kind"), "interview"),
    ("92500237MA5U000031", "history-missing", ("records", 0, "date"), None),
    ("92500237MA5U000044", "history-date", ("records", 0, "date"), None),
    ("92500237MA5U000057", "history-greater-than-equal", ("records", 0, "amount"), None),
    ("92500237MA5U00006A", "history-decimal", ("records", 0, "amount"), None),
    ("92500237MA5U00007D", "history-decimal-max-places", ("records", 0, "amount"), None),
    ("92500237MA5U00008G", "history-json", (), None),
    ("92500237MA5U00009K", "history-json", (), None),
    ("92500237MA5U00010Q", "history-duplicate-key", (), None),
    ("92500237MA5U00011U", "history-json", (), None),
]


@pytest.mark.parametrize(("subject_id", "code", "path", "suggestion"), JSONL_DEFECTS, ids=[d[1] for d in JSONL_DEFECTS])
def test_jsonl_bad_line_is_rejected_with_its_line_number(
    subject_id: str, code: str, path: tuple[Any, ...], suggestion: str | None
) -> None:
    """Each bad JSONL line is Rejected at ``file:line`` with a problem naming the line and field path."""
    line = line_of(JSONL_FILE, f'"id": "{subject_id}"')
    item = rejected_at(JSONL_FILE, line)
    assert item.where == f"{JSONL_FILE}:{line}"
    (p,) = item.problems
    assert p.code.startswith(code), p.render()
    assert p.file == str(JSONL_FILE)
    assert p.path == path
    assert p.suggestion == suggestion


def test_jsonl_bad_lines_do_not_stop_the_stream() -> None:
    """Good lines before and after bad ones load; blank lines are skipped; every bad line is reported once."""
    got = items(JSONL_FILE)
    loaded = [i for i in got if isinstance(i, Loaded)]
    rejected = [i for i in got if isinstance(i, Rejected)]
    assert [i.where for i in loaded] == [
        f"{JSONL_FILE}:{line_of(JSONL_FILE, '92500237MA5U00001T')}",
        f"{JSONL_FILE}:{line_of(JSONL_FILE, '92500237MA5U00001A')}",
    ]
    assert len(rejected) == len(JSONL_DEFECTS)
    assert loaded[-1].where.endswith(f":{len(JSONL_FILE.read_text(encoding='utf-8').splitlines())}")


def test_jsonl_amounts_are_exact_decimals() -> None:
    """A JSONL amount 1234.10 is Decimal('1234.10') (123410 fen), not a float."""
    last = [i for i in items(JSONL_FILE) if isinstance(i, Loaded)][-1]
    amount = last.subject.records[1].amount
    assert type(amount) is Decimal
    assert amount == Decimal("1234.10")
    assert last.subject.records[1].amount_fen == 123410


# ------------------------------------------------------------------ identifiers


def test_wrong_check_digit_loads_and_warns_on_evaluation() -> None:
    """A USCC with a wrong check character is not rejected; evaluating it gives a warning with code 'identifier'."""
    subject = load_subject(HISTORIES / "wrong_check_digit.json")
    assert subject.id == "92500237MA5U00001A"
    result = evaluate(load_pack("wushan"), subject, 2023)
    assert result.status == "graded"
    codes = [w.code for w in result.warnings]
    assert codes.count("identifier") == 1
    (warning,) = [w for w in result.warnings if w.code == "identifier"]
    assert "subject id" in warning.message


def test_correct_check_digit_gives_no_identifier_warning() -> None:
    """The same subject with the right check character (T) has no identifier warning."""
    data = {
        "id": "92500237MA5U00001T",
        "category": "retail_pharmacy",
        "opened": "2015-01-01",
        "records": [{"kind": "inspection", "date": "2023-06-12"}],
    }
    result = evaluate(load_pack("wushan"), Subject.model_validate(data), 2023)
    assert [w.code for w in result.warnings if w.code == "identifier"] == []


# ------------------------------------------------------------------ the models directly


def _record(**fields: Any) -> Record:
    return Record.model_validate({"date": "2023-03-01", **fields})


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        ({"kind": "intervew"}, "unknown_record_kind"),
        ({"kind": "fraud", "code": "inst_overcharging"}, "not_fraud_code"),
        ({"kind": "fraud", "code": "ind_lending_credentials"}, "not_fraud_code"),
        ({"kind": "violation", "code": "fraud_other"}, "fraud_as_violation"),
        ({"kind": "violation", "code": "ind_fraud"}, "fraud_as_violation"),
        ({"kind": "violation", "code": "no_such_code"}, "unknown_code"),
        ({"kind": "inspection", "amount": "5.00"}, "field_not_for_kind"),
        ({"kind": "honour", "code": "inst_overcharging"}, "field_not_for_kind"),
        ({"kind": "fund_recovery"}, "missing_for_kind"),
        ({"kind": "fraud"}, "missing_for_kind"),
        ({"kind": "agreement_termination", "reason": "voluntery"}, "unknown_reason"),
        ({"kind": "audit_cut", "amount": "1.005"}, "decimal_max_places"),
        ({"kind": "audit_cut", "amount": "-0.01"}, "greater_than_equal"),
        ({"kind": "audit_cut", "amount": "NaN"}, "finite_number"),
        ({"kind": "audit_cut", "amount": "Infinity"}, "finite_number"),
    ],
)
def test_record_validation_errors(fields: dict[str, Any], error_type: str) -> None:
    """Record kinds, codes, kind-specific fields and amounts are checked with a specific error type."""
    with pytest.raises(ValidationError) as info:
        _record(**fields)
    assert error_type in {e["type"] for e in info.value.errors()}


def test_unknown_kind_error_carries_the_suggestion() -> None:
    """The unknown-kind error's context carries 'interview' as the suggestion for 'intervew'."""
    with pytest.raises(ValidationError) as info:
        _record(kind="intervew")
    (err,) = info.value.errors()
    assert err["ctx"]["suggestion"] == "interview"


def test_fraud_record_with_fraud_code_and_exact_amount_is_valid() -> None:
    """A fraud record with a 条例第四十条 code and a two-decimal amount validates; the amount stays exact."""
    rec = _record(kind="fraud", code="fraud_fictitious_services", amount="15000.10")
    assert rec.amount == Decimal("15000.10")
    assert rec.amount_fen == 1500010


def test_float_amount_from_python_is_refused_when_inexact() -> None:
    """A binary float such as 0.1 + 0.2 cannot pass as an amount with two decimals."""
    with pytest.raises(ValidationError):
        _record(kind="audit_cut", amount=0.1 + 0.2)


def test_a_village_clinic_validates_with_or_without_a_parent() -> None:
    """Only Wushan (第四条) manages village clinics under a parent; under Suixian and Liaoning they are
    graded alone.  So the history does not require parent_id: the pack decides what it means."""
    alone = Subject.model_validate({"id": "X-VC-1", "category": "village_clinic"})
    assert alone.parent_id is None
    ok = Subject.model_validate({"id": "X-VC-1", "category": "village_clinic", "parent_id": "92500237MA5U00007D"})
    assert ok.parent_id == "92500237MA5U00007D"


def test_unknown_subject_field_is_refused_with_suggestion(tmp_path: Path) -> None:
    """A misspelled subject field ('recrods') is refused with the suggestion 'records' at its line."""
    path = tmp_path / "typo.yaml"
    path.write_text("id: 92500237MA5U00001T\ncategory: retail_pharmacy\nrecrods: []\n", encoding="utf-8")
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert (p.code, p.line, p.suggestion) == ("history-extra-forbidden", 3, "records")


def test_unknown_category_is_refused(tmp_path: Path) -> None:
    """An unknown category is a located problem on the category line."""
    path = tmp_path / "cat.yaml"
    path.write_text("id: 92500237MA5U00001T\ncategory: pharmacy\n", encoding="utf-8")
    (item,) = items(path)
    assert isinstance(item, Rejected)
    (p,) = item.problems
    assert (p.line, p.path) == (2, ("category",))


# ------------------------------------------------------------------ files and formats


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.json", "json"),
        ("a.JSONL", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.yaml", "yaml"),
        ("a.yml", "yaml"),
        ("-", "jsonl"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    """The history format follows the file extension; '-' is JSONL on standard input."""
    assert detect_format(name) == fmt


def test_unknown_extension_is_a_history_error() -> None:
    """A file with another extension raises HistoryError with code history-format."""
    with pytest.raises(HistoryError) as info:
        detect_format("subjects.txt")
    assert [p.code for p in info.value.problems] == ["history-format"]


def test_load_subject_raises_history_error_with_problems() -> None:
    """load_subject on a file with bad subjects raises HistoryError listing every problem."""
    with pytest.raises(HistoryError) as info:
        load_subject(JSON_FILE)
    assert len(info.value.problems) == len(JSON_DEFECTS) + 1  # + the missing date


def test_load_subject_refuses_several_subjects(tmp_path: Path) -> None:
    """load_subject wants exactly one subject."""
    path = tmp_path / "two.json"
    path.write_text(
        '[{"id": "a", "category": "retail_pharmacy"}, {"id": "b", "category": "retail_pharmacy"}]', encoding="utf-8"
    )
    with pytest.raises(HistoryError) as info:
        load_subject(path)
    assert [p.code for p in info.value.problems] == ["history-count"]


def test_missing_jsonl_file_is_a_history_error(tmp_path: Path) -> None:
    """A missing JSONL file raises HistoryError (code io) naming the file, not FileNotFoundError."""
    missing = tmp_path / "none.jsonl"
    with pytest.raises(HistoryError) as info:
        list(iter_subjects(missing))
    assert [(p.code, p.file) for p in info.value.problems] == [("io", str(missing))]


def test_subjects_key_must_hold_a_list(tmp_path: Path) -> None:
    """``{"subjects": 5}`` is rejected with history-not-list at the subjects key."""
    path = tmp_path / "s.json"
    path.write_text('{\n  "subjects": 5\n}\n', encoding="utf-8")
    (item,) = items(path)
    assert isinstance(item, Rejected)
    assert [(p.code, p.line) for p in item.problems] == [("history-not-list", 2)]


def test_unknown_top_level_key_next_to_subjects(tmp_path: Path) -> None:
    """An unknown key beside 'subjects' is reported, and the subjects are still read."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "subjects:\n  - id: 92500237MA5U00001T\n    category: retail_pharmacy\nsubjcts: []\n", encoding="utf-8"
    )
    got = items(path)
    assert [type(i).__name__ for i in got] == ["Rejected", "Loaded"]
    assert isinstance(got[0], Rejected)
    assert [(p.code, p.line) for p in got[0].problems] == [("history-unknown-key", 4)]


def test_unknown_violation_code_in_a_history_names_it_and_suggests() -> None:
    """A misspelt catalogue code in a history is an error naming the code, with the nearest code suggested."""
    from medcredit.history.reader import iter_document

    text = (
        '{"id": "x", "category": "retail_pharmacy", "records": [\n'
        '  {"kind": "violation", "date": "2023-01-01", "code": "inst_overcharing"}\n]}'
    )
    (item,) = list(iter_document(text, "h.json", "json"))
    assert isinstance(item, Rejected)
    (problem,) = item.problems
    assert "inst_overcharing" in problem.message
    assert problem.suggestion == "inst_overcharging"
    assert problem.line == 2
