"""Is a pack's document in force on a day? One rule for the engine, procedures and the facade.

A document is in force from its effective date (that day included: "自……起施行" puts the day
itself in force) to its expiry date, that day included; without an expiry it stays in force.
"""

from __future__ import annotations

import datetime as dt

from medcredit.pack.compiled import CompiledPack


def in_force(pack: CompiledPack, day: dt.date) -> bool:
    """True when ``pack``'s document is in force on ``day`` (effective ≤ day ≤ expires)."""
    doc = pack.document
    return doc.effective <= day and (doc.expires is None or day <= doc.expires)


def validity_text(pack: CompiledPack) -> str:
    doc = pack.document
    return f"{doc.effective} to {doc.expires or 'open-ended'}"
