"""A bad value inside one subject of a document refuses that subject, located at its field; the others stand.

A number beyond the bounds (``1e400``) in a JSONL line is placed at its field; in a JSON or YAML
document of several subjects it refuses the subject that holds it, not the document.  A YAML
duplicate key or bad tag inside a subject does the same; one outside every subject still refuses
the document (there is no subject to blame).
"""

from __future__ import annotations

from pathlib import Path

from medcredit.history.reader import Loaded, Rejected, iter_subjects

GOOD = '{"id": "A", "category": "retail_pharmacy", "records": []}'
BAD = (
    '{"id": "B", "category": "retail_pharmacy", "records": '
    '[{"kind": "fund_recovery", "date": "2023-01-01", "amount": 1e400}]}'
)


def _read(path: Path) -> tuple[list[str], list[Rejected]]:
    items = list(iter_subjects(path))
    return [i.subject.id for i in items if isinstance(i, Loaded)], [i for i in items if isinstance(i, Rejected)]


def test_jsonl_places_an_unbounded_number_at_its_field(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(f"{GOOD}\n{BAD}\n", "utf-8")
    loaded, (bad,) = _read(path)
    assert loaded == ["A"]
    (problem,) = bad.problems
    assert (problem.code, problem.line, problem.path) == ("history-number-range", 2, ("records", 0, "amount"))
    assert problem.column == BAD.index('"amount"') + 1  # the field's key, as for any field's problem


def test_a_json_document_loses_only_the_subject_with_the_number(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(f"[{GOOD},\n{BAD},\n{GOOD.replace('A', 'C')}]\n", "utf-8")
    loaded, (bad,) = _read(path)
    assert loaded == ["A", "C"]
    (problem,) = bad.problems
    assert (problem.code, problem.line, problem.path) == ("history-number-range", 2, (1, "records", 0, "amount"))


def test_a_yaml_document_loses_only_the_subjects_with_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "subjects:\n"
        "  - {id: A, category: retail_pharmacy, records: []}\n"
        "  - id: B\n    category: retail_pharmacy\n    records:\n"
        "      - {kind: fund_recovery, date: 2023-01-01, amount: 1e400}\n"
        "  - id: C\n    category: retail_pharmacy\n    category: outpatient_clinic\n    records: []\n"
        "  - {id: D, category: retail_pharmacy, records: []}\n",
        "utf-8",
    )
    loaded, rejected = _read(path)
    assert loaded == ["A", "D"]
    assert [(p.code, p.line) for r in rejected for p in r.problems] == [("number-range", 6), ("duplicate-key", 9)]


def test_a_bad_value_outside_every_subject_refuses_the_document(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text("format: 1e400\nsubjects:\n  - {id: A, category: retail_pharmacy, records: []}\n", "utf-8")
    loaded, (bad,) = _read(path)
    assert loaded == []
    assert [p.code for p in bad.problems] == ["number-range"]


def test_a_json_document_loses_only_the_subject_with_a_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    twice = '{"id": "B", "category": "retail_pharmacy", "category": "outpatient_clinic", "records": []}'
    path.write_text(f"[{GOOD},\n{twice},\n{GOOD.replace('A', 'C')}]\n", "utf-8")
    loaded, (bad,) = _read(path)
    assert loaded == ["A", "C"]
    (problem,) = bad.problems
    assert (problem.code, problem.line, problem.path) == ("duplicate-key", 2, (1, "category"))
