"""The shipped JSON Schemas are what the models generate, and they describe the real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcredit.authoring.schemas import schema_json
from medcredit.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("which", ["pack", "history"])
def test_shipped_schema_is_current(which: str) -> None:
    """schemas/<which>.schema.json equals `medcredit schema <which>` (regenerate after a format change)."""
    assert (ROOT / "schemas" / f"{which}.schema.json").read_text(encoding="utf-8") == schema_json(which)  # type: ignore[arg-type]


def test_pack_schema_forbids_unknown_keys_and_lists_sections() -> None:
    """Editors get completion for every top-level section and an error for unknown keys."""
    schema = json.loads(schema_json("pack"))
    assert schema["additionalProperties"] is False
    for section in ("document", "bands", "facts", "exclusions", "paths", "rules", "measures", "deadlines", "repair"):
        assert section in schema["properties"]


def test_history_schema_enumerates_the_catalogue() -> None:
    """Record kinds and violation codes come from the catalogue, so editors can complete them."""
    schema = json.loads(schema_json("history"))
    kinds = schema["$defs"]["Record"]["properties"]["kind"]["enum"]
    assert "fund_recovery" in kinds
    assert "annual_assessment" in kinds


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit schema pack` prints the schema."""
    assert main(["schema", "pack"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("medcredit policy pack")
