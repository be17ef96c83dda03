"""JSON forms of procedural answers shared by the command line and the service."""

from __future__ import annotations

from typing import Any

from medcredit.engine.listing import consequence_dict, listing_dict
from medcredit.procedures.standing import Standing
from medcredit.render.output import sanction_dict


def standing_dict(st: Standing) -> dict[str, Any]:
    """A subject's standing on a date: records in force, lists, consequences."""
    return {
        "pack": st.pack_id,
        "subject": st.subject_id,
        "as_of": st.as_of.isoformat(),
        "records_in_force": list(st.in_force),
        "records_not_in_force": [{"index": i, "reason": r} for i, r in st.not_in_force],
        # records in force that carry a mark on the date (an objection pending)
        "records_flagged": [{"index": i, "flag": f} for i, f in st.flagged],
        "listings": [listing_dict(x) for x in st.listings],
        "consequences": [consequence_dict(c) for c in st.consequences],
        "validity_overridden": st.validity_overridden,
        # packs with thresholds only: the key is absent for packs that start no sanctions
        **({"sanctions": [sanction_dict(x) for x in st.sanctions]} if st.sanctions else {}),
    }
