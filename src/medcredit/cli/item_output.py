"""How ``medcredit evaluate`` writes one outcome: a result, a rejected input or a failed subject.

One writer for the single-process run and for each chunk of ``--jobs`` (which
writes into buffers), so the bytes are the same either way.  It also counts the
results by grade for the closing summary.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, Any

from medcredit.cli.common import emit_problems
from medcredit.diagnostics.escape import one_line
from medcredit.engine.batch import Failed
from medcredit.engine.codegen import CompactResult
from medcredit.history.reader import Rejected
from medcredit.pack.compiled import CompiledPack
from medcredit.render.direct import DirectEncoder
from medcredit.render.output import render_text, result_to_dict
from medcredit.trace.result import Result

#: The columns of ``--format summary`` (a header row, then one row per subject).
SUMMARY_HEADER = ("subject", "name", "category", "status", "grade", "score")


def rejected_dict(item: Rejected) -> dict[str, Any]:
    return {
        "format": "medcredit.trace/1",
        "status": "rejected",
        "where": item.where,
        "problems": [p.as_dict() for p in item.problems],
    }


def summary_row(result: Result) -> tuple[str, ...]:
    """The ``--format summary`` cells of a result, in :data:`SUMMARY_HEADER` order (``-`` for none).

    Tabs and line breaks in a name would break the row, so they are read as spaces; its other control
    characters (an escape sequence, say) are shown escaped, never sent to the terminal.
    """
    name = one_line(" ".join((result.subject_name or "-").split()))
    score = "-" if result.score is None else format(result.score, "f")
    # an id is printable text (history model): only the name needs its control characters escaped
    return (result.subject_id, name, result.category, result.status, result.grade or "-", score)


def outcome_key(result: Result | CompactResult) -> str:
    """How the closing summary counts a result: by grade, or by status when it has none (excluded, ...)."""
    return result.grade or result.status


def utf8_buffer(out: IO[str]) -> IO[bytes] | None:
    """The byte stream under ``out`` when ``out`` writes UTF-8 to it (standard output, usually), else None."""
    buffer = getattr(out, "buffer", None)
    encoding = str(getattr(out, "encoding", "") or "").lower().replace("-", "").replace("_", "")
    return buffer if buffer is not None and encoding == "utf8" else None


class ItemWriter:
    """Writes outcomes to ``out`` (problems to ``err``); ``json`` output is collected for one array at the end.

    With ``raw``, a byte stream, every line goes there in UTF-8 instead: the direct writer's lines are UTF-8
    already, and a text layer would decode nothing but still re-encode 8 kB per subject.  Either way the
    bytes are the same; one writer uses one stream, so lines keep their order.
    """

    def __init__(
        self,
        pack: CompiledPack,
        fmt: str,
        lang: str,
        out: IO[str],
        err: IO[str],
        direct: DirectEncoder | None = None,
        raw: IO[bytes] | None = None,
    ) -> None:
        self.pack = pack
        self.fmt = fmt
        self.lang = lang
        self.out = out
        self.raw = raw
        self.err = err
        self.collected: list[dict[str, Any]] = []
        # the encoders' memoised pieces are what makes writing fast: a --jobs worker keeps one per pack
        self.direct = direct if direct is not None else DirectEncoder(pack)
        self.encoder = self.direct.reference
        self.outcomes: Counter[str] = Counter()

    def header(self) -> None:
        """The summary format's header row (written once, by the process that writes standard output)."""
        if self.fmt == "summary":
            self.text("\t".join(SUMMARY_HEADER) + "\n")

    def text(self, line: str) -> None:
        """Write ``line`` to the output stream, whichever layer this writer uses."""
        if self.raw is not None:
            self.raw.write(line.encode("utf-8"))
        else:
            self.out.write(line)

    def utf8(self, data: bytes) -> None:
        """Write output already in UTF-8 (a direct line, a worker's chunk), whichever layer this writer uses."""
        if self.raw is not None:
            self.raw.write(data)
        else:
            self.out.write(data.decode("utf-8", "surrogatepass"))

    def __call__(self, result: Any, item: Any) -> None:
        fmt = self.fmt
        if isinstance(item, Failed):
            self.err.write(item.render() + "\n")
            if fmt == "jsonl":
                self.text(json.dumps(item.as_dict(), ensure_ascii=False) + "\n")
            elif fmt == "json":
                self.collected.append(item.as_dict())
            else:
                self.text(f"{item.where}: failed ({type(item.error).__name__})\n")
            return
        if result is None:
            emit_problems(item.problems, self.err)
            record = rejected_dict(item)
            if fmt == "jsonl":
                self.text(json.dumps(record, ensure_ascii=False) + "\n")
            elif fmt == "json":
                self.collected.append(record)
            else:
                self.text(f"{item.where}: rejected\n")
            return
        self.outcomes[outcome_key(result)] += 1
        if isinstance(result, CompactResult):
            if fmt == "jsonl":  # the trace line straight from the compact outcome
                self.utf8(self.direct.line(result))
                return
            result = result.result()
        if fmt == "jsonl":
            self.text(self.encoder.encode(result) + "\n")
        elif fmt == "json":
            self.collected.append(result_to_dict(result, self.pack))
        elif fmt == "text":
            self.text(render_text(result, self.pack, self.lang) + "\n")  # type: ignore[arg-type]
        else:  # summary: one tab-separated row per subject under the header row
            self.text("\t".join(summary_row(result)) + "\n")
