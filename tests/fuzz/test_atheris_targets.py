"""The atheris targets (bench/atheris_*.py) run as plain Python on their seed inputs.

Atheris itself is run on demand (docs/guide/robustness.md); this keeps each target's
``check`` working, and without atheris installed, so the targets cannot rot unnoticed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _target(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.mark.parametrize("name", ["atheris_history", "atheris_pack_yaml"])
def test_target_accepts_its_seeds_and_kept_crashers(name: str) -> None:
    """Every seed (bundled packs or example lines, plus the kept crashers) passes ``check``."""
    target = _target(name)
    seeds = target.seeds()
    assert len(seeds) >= 5
    for seed in seeds:
        target.check(seed)


def test_history_target_catches_an_unbalanced_account() -> None:
    """The target's own check fails when a read loses a line (a finding the fuzzer would report)."""
    target = _target("atheris_history")
    lines = b'{"id": "x"}\n\n\f\nnot json\n'
    target.read_jsonl(lines)  # balanced: 4 lines = 2 items + 2 blank
    from medcredit.history import reader

    original = reader.iter_jsonl

    def losing(*args: object, **kwargs: object) -> object:
        items = list(original(*args, **kwargs))  # type: ignore[arg-type]
        return iter(items[1:])

    target.iter_jsonl = losing
    try:
        with pytest.raises(target.UnbalancedAccountError):
            target.read_jsonl(lines)
    finally:
        target.iter_jsonl = original
