"""Sanctions running against a person on a date because of institutions that list them.

牟医保〔2020〕46号 三（二）6: "其法定代表人或者主要负责人5年内禁止从事定点医药机构管理活动".  The
ban is a measure on the person, created by the institution's serious listing; this answers the
question a bureau asks of a person ("is this legal representative barred on day D, and by
which institution?") directly, from the person's history with its ``linked_institutions``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from medcredit.diagnostics.errors import MedcreditError
from medcredit.engine.listing import consequence_dict
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack
from medcredit.procedures.standing import standing
from medcredit.trace.result import Consequence


class NotAPersonError(MedcreditError):
    """Sanctions on linked persons are asked of a natural person."""


@dataclass(frozen=True, slots=True)
class PersonSanctions:
    """The consequences running against ``person_id`` on ``on``, each naming its institution."""

    pack_id: str
    person_id: str
    on: dt.date
    running: tuple[Consequence, ...]
    validity_overridden: bool = False

    def barred(self, kind: str = "management_ban") -> bool:
        """True when a consequence of ``kind`` runs on the date."""
        return any(c.kind == kind for c in self.running)

    def as_dict(self) -> dict[str, object]:
        return {
            "pack": self.pack_id,
            "person": self.person_id,
            "on": self.on.isoformat(),
            "running": [consequence_dict(c) for c in self.running],
            "validity_overridden": self.validity_overridden,
        }


def person_sanctions(
    pack: CompiledPack, person: Subject, on: dt.date, *, override_validity: bool = False
) -> PersonSanctions:
    """Consequences (e.g. 中牟's 5-year management ban) running against ``person`` on ``on``.

    Each institution in ``person.linked_institutions`` is read as of ``on``; a consequence runs
    from its start through its last day (《民法典》 第二百零二条, as the pack computes it).
    """
    if person.subject_type != "individual":
        raise NotAPersonError(f"subject {person.id} is an institution: ask about a person with linked_institutions")
    running: list[Consequence] = []
    overridden = False
    for inst in person.linked_institutions:
        st = standing(pack, inst, on, override_validity=override_validity)
        overridden = overridden or st.validity_overridden
        running.extend(c for c in st.consequences if c.person_id == person.id and c.start <= on <= c.end)
    running.sort(key=lambda c: (c.start, c.institution_id, c.id))
    return PersonSanctions(pack.id, person.id, on, tuple(running), overridden)
