"""Static checks as a rule pack: every check has fixtures that pass and fail, with id, message and line.

Fixtures live in tests/fixtures/checks/<check-id>.yaml (one file per check, as
sqlfluff does): each case starts from a bundled pack, applies text
replacements, and lists the problems expected from that check alone.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from medcredit.checks import CHECKS, CheckContext, run_checks
from medcredit.cli.main import main
from medcredit.io.yamlload import load_yaml
from medcredit.pack.loader import validate_pack_text

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
TODAY = dt.date(2026, 11, 25)


def _cases() -> list[Any]:
    out = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            out.append(pytest.param(spec, case, id=f"{spec['check']}: {case['name']}"))
    return out


def _apply(text: str, case: dict[str, Any]) -> str:
    for item in case.get("replace", []):
        old, new = (item["old"], item["new"]) if isinstance(item, dict) else item
        assert text.count(old) == 1, f"fixture replacement must match exactly once: {old!r}"
        text = text.replace(old, new)
    for old, new in case.get("replace_all", []):
        assert old in text, f"fixture replacement matches nothing: {old!r}"
        text = text.replace(old, new)
    return text


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found in the fixture text")


@pytest.mark.parametrize(("spec", "case"), _cases())
def test_check_fixture(spec: dict[str, Any], case: dict[str, Any]) -> None:
    """The check reports exactly the expected problems (id, level, message, line) on the fixture."""
    base = resources.files("medcredit").joinpath(f"packs/{case['base']}.yaml").read_text("utf-8")
    text = _apply(base, case)
    compiled, problems = validate_pack_text(text, "fixture.yaml")
    assert compiled is not None, [p.render() for p in problems]
    today = spec.get("today", TODAY)
    found = run_checks(CheckContext(compiled, load_yaml(text, "fixture.yaml"), today), {spec["check"]})
    expected = case["expect"]
    assert len(found) == len(expected), [p.render() for p in found]
    for problem, want in zip(found, expected, strict=True):
        assert problem.code == spec["check"]
        assert want["message"] in problem.message
        assert problem.level == want.get("level", CHECKS[spec["check"]].level)
        assert problem.line == _line_of(text, want["line_of"], want.get("occurrence", 1))


def test_every_check_has_a_failing_fixture() -> None:
    """Each registered check id has a fixture file with at least one failing case."""
    for check_id in CHECKS:
        path = FIXTURES / f"{check_id}.yaml"
        assert path.exists(), f"no fixture for {check_id}"
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert any(case["expect"] for case in spec["cases"]), f"{check_id} has no failing case"


def test_every_check_is_documented() -> None:
    """A check's docstring is its documentation: it names the anti-pattern and the best practice."""
    for cls in CHECKS.values():
        doc = cls.doc()
        assert "Anti-pattern" in doc and "Best practice" in doc, cls.id


def test_bundled_packs_pass_strict(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit check --strict` passes on every bundled pack."""
    root = Path(__file__).resolve().parents[1] / "policies"
    packs = sorted(str(p) for p in root.glob("*.yaml"))
    code = main(["check", "--strict", "--today", "2026-11-25", *packs])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 error(s), 0 warning(s)" in out


def test_check_output_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """parsable, github and json formats; warnings fail only under --strict."""
    base = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    bad = tmp_path / "stale.yaml"
    bad.write_text(base.replace("  expires: null", "  expires: 2024-12-31"), encoding="utf-8")
    seed = "004_dc3d7edc95aa6502.txt"  # the pack's source text goes with it (else: seed-not-found)
    (tmp_path / seed).write_text(resources.files("medcredit").joinpath(f"packs/seeds/{seed}").read_text("utf-8"))
    assert main(["check", "--format", "parsable", "--today", "2026-11-25", str(bad)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{bad}:")
    assert line.endswith("(validity-stale)")
    assert "[warning]" in line
    assert main(["check", "--strict", "--format", "github", "--today", "2026-11-25", str(bad)]) == 1
    assert capsys.readouterr().out.startswith(f"::warning file={bad},line=")
    assert main(["check", "--format", "json", "--today", "2026-11-25", str(bad)]) == 0
    assert '"code": "validity-stale"' in capsys.readouterr().out
