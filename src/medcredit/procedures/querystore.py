"""The credit-information query log as a durable store: SQLite, hash-chained, safe for many writers.

中牟 三（二）3 requires every query of credit information to be logged (officer, time,
content, purpose) and the log kept long-term.  Each entry is the same JSON line as the
JSONL :class:`~medcredit.procedures.reports.QueryLog` writes, carrying the SHA-256 of the
entry before it, so any edit breaks the chain at the next entry.  SQLite in WAL mode with
``BEGIN IMMEDIATE`` serialises writers across processes: reading the last entry and
appending the next happen in one write transaction, so concurrent writers never fork the
chain.  Triggers refuse updates and deletes; :meth:`SqliteQueryLog.verify` catches edits
made around them.  :meth:`SqliteQueryLog.export` writes the JSONL form, which
``QueryLog(path).verify()`` checks the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from medcredit.procedures.reports import QueryEntry, QueryLog, QueryLogError, check_head

_SCHEMA = """
CREATE TABLE IF NOT EXISTS query_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    line TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS query_log_no_update BEFORE UPDATE ON query_log
BEGIN SELECT RAISE(ABORT, 'the query log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS query_log_no_delete BEFORE DELETE ON query_log
BEGIN SELECT RAISE(ABORT, 'the query log is append-only'); END;
"""

#: how long a writer waits for another process's write transaction (milliseconds)
BUSY_TIMEOUT_MS = 60_000


class QueryStore(Protocol):
    """What the service and the command line need from a query log."""

    def record(self, *, at: dt.datetime, officer: str, subject_id: str, content: str, purpose: str) -> QueryEntry: ...

    def entries(self) -> list[QueryEntry]: ...

    def verify(self, head: str | None = None) -> object: ...


def _sha(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def _entry(line: str, where: str) -> QueryEntry:
    try:
        d = json.loads(line)
        return QueryEntry(d["at"], d["officer"], d["subject"], d["content"], d["purpose"], d["previous"])
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: nested too deeply to read
        raise QueryLogError(f"{where}: malformed query log entry") from None


class SqliteQueryLog:
    """An append-only, hash-chained query log in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise QueryLogError(f"{self.path}: cannot open the query log: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA synchronous=FULL")  # a logged query survives a power loss
        return db

    def record(self, *, at: dt.datetime, officer: str, subject_id: str, content: str, purpose: str) -> QueryEntry:
        """Append one query; every field is required (三（二）3: 姓名、时间、内容及用途)."""
        QueryLog.check_fields(at=at, officer=officer, subject_id=subject_id, content=content, purpose=purpose)
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")  # take the write lock before reading the chain's end
            row = db.execute("SELECT hash FROM query_log ORDER BY seq DESC LIMIT 1").fetchone()
            entry = QueryEntry(at.isoformat(), officer, subject_id, content, purpose, row[0] if row else "")
            line = entry.line()
            db.execute("INSERT INTO query_log (line, hash) VALUES (?, ?)", (line, _sha(line)))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise QueryLogError(f"{self.path}: cannot record the query: {exc}") from None
        finally:
            db.close()
        return entry

    def _rows(self) -> Iterator[tuple[int, str, str]]:
        db = self._connect()
        try:
            yield from db.execute("SELECT seq, line, hash FROM query_log ORDER BY seq")
        except sqlite3.Error as exc:
            raise QueryLogError(f"{self.path}: cannot read the query log: {exc}") from None
        finally:
            db.close()

    def entries(self) -> list[QueryEntry]:
        return [_entry(line, f"{self.path}#{seq}") for seq, line, _hash in self._rows()]

    def for_subject(self, subject_id: str) -> list[QueryEntry]:
        return [e for e in self.entries() if e.subject_id == subject_id]

    def verify(self, head: str | None = None) -> int:
        """The number of entries; raise QueryLogError at the first entry whose chain is broken, or when
        ``head`` (a last hash noted earlier, see :meth:`head`) is no longer in the log."""
        previous = ""
        count = 0
        seen: set[str] = set()
        for seq, line, stored in self._rows():
            count += 1
            entry = _entry(line, f"{self.path}#{seq}")
            if entry.previous != previous:
                raise QueryLogError(f"{self.path}#{seq}: the log was altered before this entry")
            if _sha(line) != stored:
                raise QueryLogError(f"{self.path}#{seq}: this entry was altered")
            previous = stored
            seen.add(stored)
        check_head(self.path, head, seen)
        return count

    def head(self) -> str:
        """The hash of the last entry ("" when empty): note it, and a later ``verify(head=...)`` shows whether
        the log still holds everything up to it."""
        last = ""
        for _seq, _line, stored in self._rows():
            last = stored
        return last

    def export(self, out: IO[str]) -> int:
        """Write the log as JSONL (the format of :class:`QueryLog`, same chain); return the count."""
        count = 0
        for _seq, line, _hash in self._rows():
            out.write(line + "\n")
            count += 1
        return count


def open_query_log(path: str | Path) -> SqliteQueryLog | QueryLog:
    """The log at ``path``: a ``.jsonl`` file is the single-writer JSONL log, anything else SQLite."""
    p = Path(path)
    return QueryLog(p) if p.suffix.lower() in (".jsonl", ".ndjson") else SqliteQueryLog(p)
