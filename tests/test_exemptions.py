"""A pack that breaks a property on purpose declares an exemption with its reason, and the property respects it."""

from __future__ import annotations

from pathlib import Path

import pytest

import medcredit
from medcredit.testing import run_properties

BROKEN = Path(__file__).parent / "fixtures" / "broken_packs" / "monotonic_untrustworthy.yaml"


def _with_exemption(tmp_path: Path, prop: str) -> Path:
    text = BROKEN.read_text(encoding="utf-8").rstrip("\n")
    text += (
        f"\nproperty_exemptions:\n  - property: {prop}\n    reason: {{zh: 示例：约谈加分是有意为之的激励规则}}\n"
        "    elements: [interview]\n"
    )
    path = tmp_path / "exempted.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_declared_exemption_is_respected(tmp_path: Path) -> None:
    """The interview-adds-points fixture fails monotonic_untrustworthy, but not once the pack declares it."""
    failing = run_properties(BROKEN, properties=["monotonic_untrustworthy"])
    assert not failing.ok
    exempted = run_properties(
        _with_exemption(tmp_path, "monotonic_untrustworthy"), properties=["monotonic_untrustworthy"]
    )
    assert exempted.ok, exempted.render()


def test_unknown_property_in_an_exemption_is_a_load_error(tmp_path: Path) -> None:
    """A misspelt property id is refused when the pack loads, with the nearest id suggested."""
    with pytest.raises(medcredit.PackError) as info:
        medcredit.load_pack(_with_exemption(tmp_path, "monotonic_untrustworthi"))
    (problem,) = [p for p in info.value.problems if p.code == "unknown-property"]
    assert problem.suggestion == "monotonic_untrustworthy"
