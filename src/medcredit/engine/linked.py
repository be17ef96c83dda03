"""Persons linked to an institution as credit subjects of their own.

Rule sets such as Guangdong's (draft explanation 四（二）) make an institution's legal
representative, actual controller, principal and other directly responsible persons
individual credit subjects: each has their own history and evaluation.  A history
gives them under the institution's ``linked_persons`` (with their own ``records``);
this module makes one :class:`~medcredit.history.model.Subject` per person, graded
under the category of their role, with the institution attached so that the
consequences of its listing for them (e.g. a management ban) appear in their result
too — the institution's own consequences stay on the institution's result.
"""

from __future__ import annotations

from medcredit.history.model import ROLE_CATEGORY, Subject


def linked_subjects(institution: Subject) -> tuple[Subject, ...]:
    """One subject per linked person of ``institution`` (in the order given), each with its own records."""
    if institution.subject_type != "institution":
        return ()
    out: list[Subject] = []
    for person in institution.linked_persons:
        out.append(
            Subject.model_construct(
                id=person.id,
                name=person.name,
                category=ROLE_CATEGORY[person.role],
                parent_id=None,
                opened=None,
                designated=None,
                prior_results=(),
                agreement_end=None,
                linked_persons=(),
                managed_clinics=(),
                linked_institutions=(institution,),
                records=person.records,
            )
        )
    return tuple(out)
