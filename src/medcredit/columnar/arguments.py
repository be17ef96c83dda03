"""Checks on the arguments of :func:`~medcredit.columnar.evaluate.evaluate_table`.

A wrong call (a pandas frame for an Arrow table, a year as text, one id where a
collection of ids is meant) is a typed :class:`~medcredit.diagnostics.errors.ArgumentError`
naming the argument, as for the per-subject engine (:mod:`medcredit.engine.arguments`),
never an ``AttributeError`` deep inside the vectorised code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from medcredit.diagnostics.arguments import type_name
from medcredit.diagnostics.errors import ArgumentError
from medcredit.engine.arguments import check_cycle
from medcredit.pack.compiled import CompiledPack


def check_count(name: str, value: Any) -> int:
    """A whole number of at least 1 (slices, partitions, buckets, subjects per batch)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArgumentError(f"{name} must be a whole number of at least 1, not {repr(value)[:40]}")
    return value


def check_flag(name: str, value: Any) -> bool:
    """A yes/no argument: a bool, not a truthy string."""
    if not isinstance(value, bool):
        raise ArgumentError(f"{name} must be True or False, got {type_name(value)} {repr(value)[:40]}")
    return value


def check_ids(name: str, ids: Any) -> frozenset[str]:
    """A collection of subject ids; a single string is refused (it would be read as its characters)."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise ArgumentError(f"{name} must be a collection of subject ids (e.g. a list), got {type_name(ids)}")
    found = tuple(ids)
    for item in found:
        if not isinstance(item, str):
            raise ArgumentError(f"{name} must hold subject ids as strings, got {type_name(item)} {repr(item)[:40]}")
    return frozenset(found)


def id_tuple(name: str, ids: Any) -> tuple[str, ...]:
    """:func:`check_ids` as a sorted tuple: what a grader sent to other processes carries (hashable, one order)."""
    return tuple(sorted(check_ids(name, ids)))


def check_table_arguments(
    pack: Any,
    subjects: Any,
    records: Any,
    cycle: Any,
    override_validity: Any,
    trace_ids: Any,
    slice_subjects: Any,
    threads: Any = None,
) -> frozenset[str]:
    """Refuse a wrong call of ``evaluate_table``; return the trace ids as a set."""
    if not isinstance(pack, CompiledPack):
        raise ArgumentError(f"pack must be a CompiledPack (use medcredit.load_pack), got {type_name(pack)}")
    for name, table in (("subjects", subjects), ("records", records)):
        if not isinstance(table, pa.Table):
            raise ArgumentError(
                f"{name} must be a pyarrow.Table (pyarrow.parquet.read_table, pyarrow.Table.from_pandas, "
                f"medcredit.columnar.subjects_to_tables), got {type_name(table)}"
            )
    check_cycle(cycle)
    check_flag("override_validity", override_validity)
    check_count("slice_subjects", slice_subjects)
    if threads is not None:
        check_count("threads", threads)
    return check_ids("trace_ids", trace_ids)
