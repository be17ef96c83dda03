"""Hypothesis profiles of the fuzz suite: ``ci`` (default, about a minute) and ``release`` (on demand).

Select with ``MEDCREDIT_FUZZ_PROFILE=release``; the large counted run with
CPU and memory accounting is ``python bench/fuzz.py`` (docs/guide/robustness.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("medcredit-fuzz-ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("medcredit-fuzz-release", derandomize=False, **_COMMON)

PROFILE = os.environ.get("MEDCREDIT_FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "release"):
    raise SystemExit(f"MEDCREDIT_FUZZ_PROFILE must be 'ci' or 'release', not {PROFILE!r}")

#: Examples per test: (ci, release).
EXAMPLES = {
    "pack_library": (80, 100_000),
    "pack_cli": (8, 2_000),
    "history_library": (400, 100_000),
    "history_cli": (20, 5_000),
}


def examples(name: str) -> int:
    ci, release = EXAMPLES[name]
    return release if PROFILE == "release" else ci
