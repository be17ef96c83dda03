"""Groups of whole subjects graded in a worker process of a distributed engine (Spark, Dask).

A distributed engine moves the rows; each of its workers is handed one group of
whole subjects (each with all its records) as two Arrow tables and grades it with
:func:`~medcredit.columnar.evaluate.evaluate_table`, exactly as in process.

The driver ships the pack's *text* (a few kilobytes), not a path: workers need no
copy of the pack file, and every worker grades with exactly the pack the driver
validated.  Each worker process compiles that text once and keeps it, keyed by the
pack's content hash, for every later group it is given (engines reuse their
workers between tasks), so no group pays for loading the pack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from medcredit.columnar.evaluate import evaluate_table
from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS
from medcredit.diagnostics.errors import ArgumentError, HistoryError, PackError
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import read_pack_source, validate_pack_text

# one compiled pack per content hash, per worker process
_PACKS: dict[str, CompiledPack] = {}


@dataclass(frozen=True, slots=True)
class PackRef:
    """A pack as the driver read it: its text, the name problems are reported under, its content hash."""

    text: str
    file: str
    content_hash: str

    @classmethod
    def read(cls, pack: str | Path) -> PackRef:
        """Read and compile on the driver (so a bad pack fails before any job starts)."""
        if not isinstance(pack, str | os.PathLike):
            raise ArgumentError(f"pack must be a bundled pack name or a pack file path, got {type(pack).__name__}")
        source = read_pack_source(pack)
        compiled = _compile(source.text, source.file)
        return cls(source.text, source.file, compiled.content_hash)

    def compiled(self) -> CompiledPack:
        """The compiled pack, compiled once per process."""
        found = _PACKS.get(self.content_hash)
        if found is None:
            found = _PACKS[self.content_hash] = _compile(self.text, self.file)
        return found


def _compile(text: str, file: str) -> CompiledPack:
    compiled, problems = validate_pack_text(text, file)
    if compiled is None:
        raise PackError(f"{file}: the pack is invalid", problems)
    _PACKS.setdefault(compiled.content_hash, compiled)
    return compiled


@dataclass(frozen=True, slots=True)
class Grader:
    """Grades one group of whole subjects (picklable: the engine sends it to every worker).

    ``helper_columns`` are the columns the engine itself added to route rows (a bucket number),
    dropped before grading; ``group`` names the engine's unit of work in error messages.
    """

    pack: PackRef
    cycle: int
    override_validity: bool = False
    trace_ids: tuple[str, ...] = ()
    helper_columns: tuple[str, ...] = ()
    group: str = "group"

    def grade(self, subjects: pa.Table, records: pa.Table) -> pa.Table:
        """The columnar results table of these subjects, in types every engine reads (:func:`plain`)."""
        # only the engine's own columns go: any other unknown column is refused, as in process
        # (a misspelt optional column must not be ignored silently)
        s = subjects.drop_columns([c for c in subjects.column_names if c in self.helper_columns])
        r = records.drop_columns([c for c in records.column_names if c in self.helper_columns])
        # a group holds some of the subjects: the trace ids of the others are not unknown, just elsewhere
        here = set(s.column("id").to_pylist()) if self.trace_ids and "id" in s.column_names else set()
        try:
            result = evaluate_table(
                self.pack.compiled(),
                s,
                r,
                cycle=self.cycle,
                override_validity=self.override_validity,
                trace_ids=[t for t in self.trace_ids if t in here],
                threads=1,  # the engine already runs one group per core
            )
        except HistoryError as exc:
            raise located(exc, s, r, self.group) from None
        return plain(result)

    def empty(self) -> pa.Table:
        """The results table of no subjects: its schema is the schema of every result."""
        s = pa.table({k: pa.array([], t) for k, t in SUBJECT_COLUMNS.items()})
        r = pa.table({k: pa.array([], t) for k, t in RECORD_COLUMNS.items()})
        return self.grade(s, r)


def located(exc: HistoryError, subjects: pa.Table, records: pa.Table, group: str = "group") -> HistoryError:
    """The problems of one group, each naming its subject.

    A row number counts rows within the group the engine assembled, which the user never
    saw; the subject id (of the subject row, or of the record's ``subject_id``) is what
    finds the bad row in the input.
    """
    ids = {"subjects": subjects.column("id"), "records": records.column("subject_id")}
    problems = []
    for problem in exc.problems:
        table = problem.path[0] if problem.path else None
        row = problem.path[1] if len(problem.path) > 2 else None
        if isinstance(table, str) and table in ids and isinstance(row, int) and 0 <= row < len(ids[table]):
            where = f"{table} row of subject {ids[table][row].as_py()!r}; row {row + 1} of a {group}"
            problem = replace(problem, message=f"{problem.message} [{where}]")
        problems.append(problem)
    return HistoryError(f"{len(problems)} problem(s) in one {group} of the input tables", problems)


def plain(table: pa.Table) -> pa.Table:
    """Types every engine reads: dictionary columns decoded, large strings as plain strings, no metadata."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    return table.cast(pa.schema(fields))
