"""The generic property ids a pack may name in ``property_exemptions``.

They are part of the pack format (a pack refers to them), so the pack layer
owns the list; :mod:`medcredit.testing.properties` registers one property per
id and refuses an id that is not here, so the two cannot drift apart.
"""

from __future__ import annotations

PROPERTY_IDS: tuple[str, ...] = (
    "monotonic_untrustworthy",
    "monotonic_trustworthy",
    "monotonic_amount",
    "accounting",
    "trace_records",
    "bands",
    "record_order",
    "unrelated_subjects",
    "outside_cycle",
    "out_of_force",
    "monotonic_severity",
    "repair_never_worsens",
    "threshold_later",
    "determinism",
    "round_trip",
    "repair_earliest",
    "deadline_working_days",
)
