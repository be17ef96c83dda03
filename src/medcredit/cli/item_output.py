"""How ``medcredit evaluate`` writes one outcome: a result, a rejected input or a failed subject.

One writer for the single-process run and for each chunk of ``--jobs`` (which
writes into buffers), so the bytes are the same either way.
"""

from __future__ import annotations

import json
from typing import IO, Any

from medcredit.cli.common import emit_problems
from medcredit.engine.batch import Failed
from medcredit.history.reader import Rejected
from medcredit.pack.compiled import CompiledPack
from medcredit.render.output import TraceEncoder, render_text, result_to_dict


def rejected_dict(item: Rejected) -> dict[str, Any]:
    return {
        "format": "medcredit.trace/1",
        "status": "rejected",
        "where": item.where,
        "problems": [p.as_dict() for p in item.problems],
    }


class ItemWriter:
    """Writes outcomes to ``out`` (problems to ``err``); ``json`` output is collected for one array at the end."""

    def __init__(self, pack: CompiledPack, fmt: str, lang: str, out: IO[str], err: IO[str]) -> None:
        self.pack = pack
        self.fmt = fmt
        self.lang = lang
        self.out = out
        self.err = err
        self.collected: list[dict[str, Any]] = []
        self.encoder = TraceEncoder(pack)

    def __call__(self, result: Any, item: Any) -> None:
        fmt, out = self.fmt, self.out
        if isinstance(item, Failed):
            self.err.write(item.render() + "\n")
            if fmt == "jsonl":
                out.write(json.dumps(item.as_dict(), ensure_ascii=False) + "\n")
            elif fmt == "json":
                self.collected.append(item.as_dict())
            else:
                out.write(f"{item.where}: failed ({type(item.error).__name__})\n")
            return
        if result is None:
            emit_problems(item.problems, self.err)
            record = rejected_dict(item)
            if fmt == "jsonl":
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            elif fmt == "json":
                self.collected.append(record)
            else:
                out.write(f"{item.where}: rejected\n")
            return
        if fmt == "jsonl":
            out.write(self.encoder.encode(result) + "\n")
        elif fmt == "json":
            self.collected.append(result_to_dict(result, self.pack))
        elif fmt == "text":
            out.write(render_text(result, self.pack, self.lang) + "\n")  # type: ignore[arg-type]
        else:  # summary
            grade = result.grade or "-"
            score = "-" if result.score is None else format(result.score, "f")
            out.write(f"{result.subject_id}\t{result.category}\t{result.status}\t{grade}\t{score}\n")
