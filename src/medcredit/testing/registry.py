"""The registry of generic properties: one entry per property id, with everything about it.

Like the static checks (:mod:`medcredit.checks.base`), a property is registered
once, next to its code, with its id, a one-line summary (shown in reports and
docs), the hypothesis driver that generates its examples, and the reason it
does not apply to a pack that lacks what it tests.  Registration validates the
entry: the id must be one the pack format knows
(:data:`medcredit.pack.property_ids.PROPERTY_IDS`, which packs name in
``property_exemptions``) and may be registered only once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from medcredit.diagnostics.errors import MedcreditError
from medcredit.diagnostics.problems import suggest
from medcredit.pack.property_ids import PROPERTY_IDS

D = TypeVar("D", bound=Callable[..., Any])


class UnknownPropertyError(MedcreditError, ValueError):
    """A property id that no property has (a typo, or a property of another version)."""


@dataclass(frozen=True, slots=True)
class Property:
    id: str
    summary: str  # one line: what the property requires
    driver: Callable[..., Any]  # (pack, shape, settings, exemptions, counter) -> test | None
    not_applicable: str  # why the driver found nothing to test in a pack


_REGISTRY: dict[str, Property] = {}

#: Every registered property by id, in registration order (read-only).
REGISTERED = MappingProxyType(_REGISTRY)


def register(property_id: str, summary: str, *, not_applicable: str = "nothing to check") -> Callable[[D], D]:
    """Register the driver of ``property_id`` (use as a decorator, or call with the driver)."""
    if property_id not in PROPERTY_IDS:
        raise ValueError(f"'{property_id}' is not a property id of the pack format (pack/property_ids.py)")
    if not summary.strip() or "\n" in summary:
        raise ValueError(f"property '{property_id}' needs a one-line summary")
    if property_id in _REGISTRY:
        raise ValueError(f"property '{property_id}' is registered twice")

    def add(driver: D) -> D:
        _REGISTRY[property_id] = Property(property_id, summary, driver, not_applicable)
        return driver

    return add


def get(property_id: str) -> Property:
    """The registered property, or UnknownPropertyError naming the nearest id."""
    found = _REGISTRY.get(property_id)
    if found is not None:
        return found
    hint = suggest(property_id, _REGISTRY)
    raise UnknownPropertyError(
        f"unknown property '{property_id}'"
        + (f"; did you mean '{hint}'?" if hint else f" (known: {', '.join(_REGISTRY)})")
    )
