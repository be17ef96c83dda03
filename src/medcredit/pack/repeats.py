"""Repeated entries in a pack's lists of ids and names.

Every list of strings in the pack format is a set in meaning: the rules a path
applies, the kinds a fact takes, the grades and categories a measure covers, the
channels of a disclosure...  A repeated entry is never what the author meant, and
it is not harmless: ``rules: [interview, interview]`` deducts twice, a measure
listed under two equal grades is reported twice.  So a repeat is refused, at the
place of the repeat, naming the value and where it first appeared.

The walk is over the validated model, generically, so a list field added to the
format later is covered without being named here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from medcredit.diagnostics.problems import YamlPath


@dataclass(frozen=True, slots=True)
class Repeat:
    """``value`` appears at ``path`` (a list index) and first at index ``first`` of the same list."""

    path: YamlPath
    value: str
    first: int


def repeated_entries(model: BaseModel, path: YamlPath = ()) -> Iterator[Repeat]:
    """Every repeated string in every list of strings in ``model``, depth first in field order."""
    for name in type(model).model_fields:
        yield from _walk(getattr(model, name), (*path, name))


def _walk(value: object, path: YamlPath) -> Iterator[Repeat]:
    if isinstance(value, BaseModel):
        yield from repeated_entries(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, list):
        first: dict[str, int] = {}
        for i, item in enumerate(value):
            if isinstance(item, str):
                if item in first:
                    yield Repeat((*path, i), item, first[item])
                else:
                    first[item] = i
            else:
                yield from _walk(item, (*path, i))
