"""Fuzzing in the suite: mutated packs and histories through every public entry point (issue 11).

Hypothesis drives the mutators with a random generator it controls, so a failure
shrinks to few, small mutations.  Any exception that is not a MedcreditError
fails the test; argparse's exit 2 for a usage error is fine.  The ``ci`` profile
is derandomised (the same inputs on every run); the ``release`` profile runs
100,000 packs and 100,000 histories (``MEDCREDIT_FUZZ_PROFILE=release``).
"""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
from pathlib import Path

import harness
import mutators
import pytest
from fuzz_profiles import PROFILE, examples
from hypothesis import given, settings
from hypothesis import strategies as st

import medcredit
from medcredit.diagnostics.errors import MedcreditError

CRASHERS = sorted((Path(__file__).parent / "crashers").glob("*.json"))
PACK = medcredit.load_pack("wushan")
WORKDIR = Path(tempfile.mkdtemp(prefix="medcredit-fuzz-"))
_PROFILE = f"medcredit-fuzz-{PROFILE}"


def _pack(rng: random.Random, *, cli: bool) -> None:
    text = mutators.mutate_pack(rng)
    with contextlib.suppress(MedcreditError):  # a typed refusal is the expected outcome for most mutants
        harness.exercise_pack(text, WORKDIR, cli=cli)


def _history(rng: random.Random, *, cli: bool) -> None:
    line = mutators.mutate_history_line(rng)
    with contextlib.suppress(MedcreditError):
        harness.exercise_history(line, WORKDIR, PACK, cli=cli)


@settings(settings.get_profile(_PROFILE), max_examples=examples("pack_library"))
@given(st.randoms(use_true_random=False))
def test_mutated_packs_through_the_library(rng: random.Random) -> None:
    _pack(rng, cli=False)


@settings(settings.get_profile(_PROFILE), max_examples=examples("pack_cli"))
@given(st.randoms(use_true_random=False))
def test_mutated_packs_through_every_command(rng: random.Random) -> None:
    _pack(rng, cli=True)


@settings(settings.get_profile(_PROFILE), max_examples=examples("history_library"))
@given(st.randoms(use_true_random=False))
def test_mutated_histories_through_the_library(rng: random.Random) -> None:
    _history(rng, cli=False)


@settings(settings.get_profile(_PROFILE), max_examples=examples("history_cli"))
@given(st.randoms(use_true_random=False))
def test_mutated_histories_through_the_commands(rng: random.Random) -> None:
    _history(rng, cli=True)


def test_bundled_packs_pass_the_harness_unchanged() -> None:
    """The harness itself accepts good input: every bundled pack compiles and runs every command."""
    for text in mutators.PACK_TEXTS.values():
        assert harness.exercise_pack(text, WORKDIR, cli=True)


@pytest.mark.parametrize("path", CRASHERS, ids=[p.stem for p in CRASHERS])
def test_kept_crashers_are_refused_cleanly(path: Path) -> None:
    """Minimised inputs that crashed or hung earlier versions (issue 11) now end in a typed, located refusal."""
    case = json.loads(path.read_text(encoding="utf-8"))
    if case["kind"] == "pack":
        compiled, problems = medcredit.validate_pack_text(case["text"], path.name)
        assert compiled is None and problems and all(p.line >= 1 for p in problems)
        harness.exercise_pack(case["text"], WORKDIR, cli=True)
    else:
        assert harness.exercise_history(case["text"], WORKDIR, PACK, cli=True) == 1
