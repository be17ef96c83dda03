"""The history JSON Schema is a real schema: it defines Subject, validates the bundled examples and rejects bad ones.

Editors (YAML / JSON language servers) complete and check histories from this
file, so it is tested with a JSON Schema validator, not only compared with itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from medcredit.authoring.schemas import schema_json

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "history.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


def _examples() -> list[Any]:
    out: list[Any] = [pytest.param(json.loads((ROOT / "examples" / "one-pharmacy.json").read_text("utf-8")), id="one")]
    lines = (ROOT / "examples" / "wushan-subjects.jsonl").read_text("utf-8").splitlines()
    out += [pytest.param(json.loads(line), id=f"wushan-{i}") for i, line in enumerate(lines, 1) if line.strip()]
    return out


def test_schema_is_valid_and_defines_subject() -> None:
    """The schema itself is valid 2020-12, and Subject is a definition with properties, not a self-reference."""
    Draft202012Validator.check_schema(SCHEMA)
    subject = SCHEMA["$defs"]["Subject"]
    assert "$ref" not in subject
    assert {"id", "category", "opened", "agreement_end", "managed_clinics", "records"} <= set(subject["properties"])
    assert subject["required"] == ["id", "category"]


def test_subject_fields_are_documented() -> None:
    """Every subject field has a description an editor can show on hover."""
    for name, prop in SCHEMA["$defs"]["Subject"]["properties"].items():
        assert prop.get("description"), name


@pytest.mark.parametrize("subject", _examples())
def test_bundled_examples_validate(subject: dict[str, Any]) -> None:
    """examples/one-pharmacy.json and each line of examples/wushan-subjects.jsonl satisfy the schema."""
    errors = [e.message for e in VALIDATOR.iter_errors(subject)]
    assert errors == []


def test_list_and_wrapped_forms_validate() -> None:
    """A history file may be one subject, a list of subjects or {subjects: [...]}."""
    subject = json.loads((ROOT / "examples" / "one-pharmacy.json").read_text("utf-8"))
    assert VALIDATOR.is_valid([subject, subject])
    assert VALIDATOR.is_valid({"subjects": [subject]})


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"opend": "2020-01-15"}, "misspelt field"),
        ({"category": "pharmacy"}, "unknown category"),
        ({"opened": "2020-02-30"}, "not a date"),
        ({"records": [{"kind": "inspektion", "date": "2023-01-01"}]}, "unknown record kind"),
        ({"managed_clinics": [{"name": "no id"}]}, "clinic without id"),
    ],
)
def test_bad_subjects_are_rejected(change: dict[str, Any], why: str) -> None:
    """Mistakes an editor should underline are schema errors."""
    subject = json.loads((ROOT / "examples" / "one-pharmacy.json").read_text("utf-8"))
    subject.update(change)
    assert not VALIDATOR.is_valid(subject), why


def test_nested_linked_institutions_are_checked() -> None:
    """The recursive part (a person's linked_institutions are subjects) is validated too."""
    person = {
        "id": "p1",
        "category": "legal_representative",
        "linked_institutions": [{"id": "x", "category": "retail_pharmacy", "bogus": 1}],
    }
    assert not VALIDATOR.is_valid(person)
    del person["linked_institutions"][0]["bogus"]  # type: ignore[attr-defined]
    assert VALIDATOR.is_valid(person)


def test_shipped_file_is_generated() -> None:
    assert (ROOT / "schemas" / "history.schema.json").read_text(encoding="utf-8") == schema_json("history")
