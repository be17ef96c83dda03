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
    assert main(["test", str(EXAMPLE / "example-county.cases.yaml")]) == 0
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


DYNAMIC = EXAMPLE / "dynamic" / "dynamic-city.yaml"


def test_dynamic_example_validates_and_passes_strict_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """The dynamic-points chapter's pack: `validate`, then `check --strict` finds nothing."""
    assert main(["validate", str(DYNAMIC)]) == 0
    assert main(["check", "--strict", "--today", "2026-11-25", str(DYNAMIC)]) == 0


def test_dynamic_example_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(DYNAMIC.parent)]) == 0
    assert "8 passed, 0 failed" in capsys.readouterr().out


def test_dynamic_guide_snippets_match_the_example() -> None:
    guide = (EXAMPLE.parent / "guide" / "dynamic-points.md").read_text(encoding="utf-8")
    pack_text = DYNAMIC.read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", guide, flags=re.S):
        for line in block.strip().splitlines():
            assert line in pack_text, line


def test_dynamic_example_passes_the_properties() -> None:
    """Every generic property, including out_of_force and monotonic_severity, holds (CI profile)."""
    from medcredit.testing import run_properties

    report = run_properties(DYNAMIC)
    assert report.ok, report.render()
    ran = {o.property_id for o in report.outcomes if o.status == "passed" and o.checked > 0}
    assert {"out_of_force", "monotonic_severity", "accounting", "bands"} <= ran, report.render()
