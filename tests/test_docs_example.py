"""The author's guide's worked example is a real pack: it validates, checks strictly and passes its tests.

This is what "a new jurisdiction can be written, tested and checked with no Python"
means in CI: the guide's files are run exactly as the guide tells an author to run them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example"


def test_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit validate` accepts the example pack."""
    assert main(["validate", str(EXAMPLE / "example-county.yaml")]) == 0


def test_example_passes_strict_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit check --strict` finds nothing in the example pack."""
    assert main(["check", "--strict", "--today", "2026-11-25", str(EXAMPLE / "example-county.yaml")]) == 0


def test_example_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit test docs/example` runs the guide's cases and they pass."""
    assert main(["test", str(EXAMPLE)]) == 0
    assert "5 passed, 0 failed" in capsys.readouterr().out


def test_example_articles_are_in_its_source() -> None:
    """The example's registered articles are verbatim from its teaching source text."""
    pack = medcredit.load_pack(EXAMPLE / "example-county.yaml")
    source = re.sub(r"\s+", "", (EXAMPLE / "source.txt").read_text(encoding="utf-8"))
    for article, text in pack.document.articles.items():
        assert re.sub(r"\s+", "", text) in source, article


def test_guide_snippets_match_the_example() -> None:
    """The YAML the guide shows is the YAML the example runs (no drift between docs and files)."""
    guide = (EXAMPLE.parent / "guide" / "author.md").read_text(encoding="utf-8")
    pack_text = (EXAMPLE / "example-county.yaml").read_text(encoding="utf-8")
    for snippet in (
        '- {grade: excellent, range: "[80, +inf)"}',
        "per_occurrence: 10",
        "cite: {article: 第四条, quote: 被约谈的，每次扣10分；}",
    ):
        assert snippet in guide and snippet in pack_text, snippet


def test_example_passes_the_properties() -> None:
    """The guide's worked example passes every generic property with the CI profile."""
    from medcredit.testing import run_properties

    report = run_properties(EXAMPLE / "example-county.yaml")
    assert report.ok, report.render()
