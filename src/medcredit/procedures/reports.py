"""Credit reports in administration: validity and the query log (牟医保〔2020〕46号).

* 二（四）: a credit report is valid for at most one year and reusable within it,
  unless a major credit crisis requires re-rating — we read "major credit crisis"
  as entering one of the pack's ``reports.crisis_lists`` (the serious untrustworthy
  list) after the report was issued.
* 三（二）3: every query of public credit information is logged with the officer's
  name, the time, the content and the purpose, and the log is kept long-term.
  :class:`QueryLog` is append-only: entries are hash-chained, so an edited or
  deleted line is detected by :meth:`QueryLog.verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcredit.diagnostics.errors import ArgumentError, MedcreditError
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack
from medcredit.procedures.standing import standing
from medcredit.time.periods import period_end


class ReportRulesMissingError(MedcreditError):
    """The pack states no rules for credit reports."""


class QueryLogError(MedcreditError):
    """The query log is malformed or was tampered with."""


@dataclass(frozen=True, slots=True)
class ReportValidity:
    valid: bool
    issued: dt.date
    on: dt.date
    last_valid_day: dt.date
    reason: str
    reason_zh: str
    article: str
    quote: str


def report_validity(
    pack: CompiledPack, subject: Subject, issued: dt.date, on: dt.date, *, stated_until: dt.date | None = None
) -> ReportValidity:
    """Is a credit report about ``subject`` issued on ``issued`` still usable on ``on``?"""
    rules = pack.model.reports
    if rules is None:
        raise ReportRulesMissingError(f"pack '{pack.id}' states no credit-report rules")
    if stated_until is not None and stated_until < issued:
        raise ArgumentError(f"stated_until {stated_until} is before the report was issued ({issued})")
    years = rules.max_validity.get("years", 0)
    months = rules.max_validity.get("months", 0)
    limit = period_end(issued, years=years, months=months).value
    last = min(limit, stated_until) if stated_until is not None else limit
    cite = rules.cite

    def answer(valid: bool, last_day: dt.date, en: str, zh: str) -> ReportValidity:
        return ReportValidity(valid, issued, on, last_day, en, zh, cite.article, cite.quote)

    if on < issued:
        return answer(False, last, "the report was not yet issued", "报告尚未出具")
    stand = standing(pack, subject, on, override_validity=True)
    for listing in stand.listings:
        # a crisis after issue ends the report for good: removal from the list later does not revive it.
        # "After" is a later day: a listing dated the day of issue may be what the report already reflects,
        # and cannot be shown to come after it
        entered = [d for d in listing.entry_dates or (listing.since,) if issued < d <= on]
        if listing.list_id in rules.crisis_lists and entered:
            listing = listing._replace(since=min(entered))
            crisis_last = listing.since - dt.timedelta(days=1)
            return answer(
                False,
                min(last, crisis_last),
                f"entered {listing.list_id} on {listing.since} after the report was issued: re-rating required",
                f"出具后于{listing.since}列入{listing.list_id}，出现重大信用危机，需重新信用评级",
            )
    if on > last:
        return answer(False, last, f"validity ended on {last}", f"有效期已于{last}届满")
    return answer(True, last, f"valid through {last}", f"有效期至{last}")


@dataclass(frozen=True, slots=True)
class QueryEntry:
    at: str  # ISO 8601 timestamp supplied by the caller (the library reads no clock)
    officer: str
    subject_id: str
    content: str
    purpose: str
    previous: str  # sha256 of the previous line ("" for the first)

    def line(self) -> str:
        data = {
            "at": self.at,
            "officer": self.officer,
            "subject": self.subject_id,
            "content": self.content,
            "purpose": self.purpose,
            "previous": self.previous,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def check_head(where: object, head: str | None, seen: set[str]) -> None:
    """Refuse a log that no longer holds the entry whose hash ``head`` was noted (a head noted after an
    earlier verify): entries up to it were altered, or it and the entries after it were removed."""
    if head is not None and head not in seen and head != "":
        raise QueryLogError(
            f"{where}: the entry with hash {head[:16]}… (a head noted earlier) is no longer in the log: "
            "entries were altered or removed"
        )


class QueryLog:
    """An append-only, hash-chained JSONL log of credit-information queries."""

    def __init__(self, path: str | Path) -> None:
        if not isinstance(path, str | os.PathLike):
            raise ArgumentError(f"a query log is a file path, got {type(path).__name__}")
        self.path = Path(path)

    def _last_hash(self) -> str:
        last = ""
        for _number, line in self._lines():
            last = hashlib.sha256(line.encode("utf-8")).hexdigest()
        return last

    def _lines(self) -> Iterator[tuple[int, str]]:
        """Every non-blank line with its line number in the file.

        The log is written as UTF-8: a line that is not is a corrupted line, a QueryLogError naming its line
        and column (read with surrogateescape so that the lines before it are still checked in order).
        """
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="surrogateescape") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.isascii():
                    try:
                        line.encode("utf-8")
                    except UnicodeEncodeError as exc:
                        bad = line[exc.start : exc.end].encode("utf-8", "surrogateescape").hex(" ")
                        raise QueryLogError(
                            f"{self.path}:{number}:{exc.start + 1}: bytes {bad} are not UTF-8: "
                            "the log was corrupted at this line"
                        ) from None
                if line.strip():
                    yield number, line.rstrip("\n")

    @staticmethod
    def _parse(line: str, where: str) -> dict[str, Any]:
        """One line as a JSON object; anything else (not JSON, nested too deeply to read, not an object) is
        a malformed entry."""
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise QueryLogError(f"{where}: malformed query log entry")
        return data

    def record(self, *, at: dt.datetime, officer: str, subject_id: str, content: str, purpose: str) -> QueryEntry:
        """Append one query; every field is required (三（二）3: 姓名、时间、内容及用途)."""
        self.check_fields(at=at, officer=officer, subject_id=subject_id, content=content, purpose=purpose)
        entry = QueryEntry(at.isoformat(), officer, subject_id, content, purpose, self._last_hash())
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(entry.line() + "\n")
        return entry

    @staticmethod
    def check_fields(*, at: dt.datetime, officer: str, subject_id: str, content: str, purpose: str) -> None:
        """Refuse an entry that lacks a field or whose time has no time zone."""
        if not isinstance(at, dt.datetime):
            raise ArgumentError(f"at must be a datetime with a time zone, got {type(at).__name__} {at!r:.40}")
        for name, value in (
            ("officer", officer),
            ("subject_id", subject_id),
            ("content", content),
            ("purpose", purpose),
        ):
            if not isinstance(value, str):
                raise ArgumentError(f"{name} must be text, got {type(value).__name__}")
            if not value or not value.strip():
                raise QueryLogError(f"a query log entry needs {name}")
        if at.tzinfo is None:
            raise QueryLogError("the query time must carry a time zone (e.g. +08:00)")

    def entries(self) -> list[QueryEntry]:
        out = []
        for number, line in self._lines():
            d = self._parse(line, f"{self.path}:{number}")
            try:
                out.append(QueryEntry(d["at"], d["officer"], d["subject"], d["content"], d["purpose"], d["previous"]))
            except KeyError as exc:
                raise QueryLogError(f"{self.path}:{number}: malformed query log entry") from exc
        return out

    def verify(self, head: str | None = None) -> str:
        """The head (the SHA-256 of the last line, "" for an empty log); QueryLogError at the first line whose
        hash chain is broken.

        The chain shows an edit at the line after it; the last line, or lines cut from the end, only against
        a head noted earlier: with ``head``, the log must still hold the line it hashes (:func:`check_head`).
        """
        previous = ""
        seen: set[str] = set()
        for number, line in self._lines():
            stated = self._parse(line, f"{self.path}:{number}").get("previous")
            if stated != previous:
                raise QueryLogError(f"{self.path}:{number}: the log was altered before this line")
            previous = hashlib.sha256(line.encode("utf-8")).hexdigest()
            seen.add(previous)
        check_head(self.path, head, seen)
        return previous

    def for_subject(self, subject_id: str) -> list[QueryEntry]:
        return [e for e in self.entries() if e.subject_id == subject_id]
