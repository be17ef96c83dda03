"""``evaluate --jobs N``: JSONL lines in chunks over a process pool, outcomes written in input order.

The parent reads raw lines (detecting the encoding exactly as the single-process
reader does) and hands chunks of them, with the number of their first line, to
the workers; each worker reads, evaluates and renders its chunk with the same
functions as a single-process run (:func:`medcredit.history.reader.iter_jsonl`,
:func:`medcredit.engine.batch.evaluate_items`, :class:`~medcredit.cli.item_output.ItemWriter`)
into buffers, and leaves each chunk's output in a file of the parent's private
spool directory.  The parent copies those files (``sendfile``: in the kernel)
and the error text in chunk order and adds up the accounts, so standard output
and standard error carry the same bytes as with ``--jobs 1``.  At most ``2 N``
chunks are in flight: memory and the spool stay flat.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from medcredit.cli.common import emit_problems, file_size
from medcredit.cli.item_output import ItemWriter
from medcredit.diagnostics.errors import MedcreditError
from medcredit.engine.batch import BatchSummary, evaluate_items
from medcredit.engine.codegen import CompactResult
from medcredit.engine.evaluation import Evaluator
from medcredit.history.reader import ReadTally, _open_binary, iter_jsonl
from medcredit.io.cores import available_cores
from medcredit.io.encoding import SAMPLE_BYTES, detect
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack
from medcredit.render.direct import DirectEncoder
from medcredit.trace.result import Result

#: Lines per chunk: large enough that a chunk's pickling is small beside its evaluation.
CHUNK_LINES = 500

#: ``--jobs auto`` (the default), as the parser gives it.
AUTO_JOBS = 0
#: Below this size a file is graded in one process: starting workers and warming their writers' memos
#: costs more than a second process gains (bench/cli.py: about 10,000 subjects of the Wushan workload).
AUTO_MIN_BYTES = 4 * 2**20
#: ``auto`` uses at most this many processes: the parent writes every line, and beyond a few workers it
#: is the bottleneck.
MAX_AUTO_JOBS = 8


def auto_jobs(file: str, cores: int | None = None) -> int:
    """Processes for ``--jobs auto``: one per available core for a regular file of ``AUTO_MIN_BYTES`` or more,
    else one (standard input and pipes too: their size is unknown)."""
    size = file_size(file)
    if size is None or size < AUTO_MIN_BYTES:
        return 1
    return max(1, min(cores if cores is not None else available_cores(), MAX_AUTO_JOBS))


# (pack reference, compiled) → evaluator, kept by each worker process for its whole life
_EVALUATORS: dict[tuple[str, bool], Evaluator] = {}


def _evaluator(pack_ref: str, compiled: bool, pack: CompiledPack | None = None) -> Evaluator:
    """This process's evaluator for the pack (``pack``: already loaded from ``pack_ref``), made once."""
    key = (pack_ref, compiled)
    ev = _EVALUATORS.get(key)
    if ev is None:
        ev = _EVALUATORS[key] = Evaluator(pack if pack is not None else load_pack(pack_ref), compiled=compiled)
        _DIRECT[key] = DirectEncoder(ev.pack)
    return ev


# (pack reference, compiled) → the worker's trace writer, warm across its chunks
_DIRECT: dict[tuple[str, bool], DirectEncoder] = {}


class Spooled(NamedTuple):
    """A chunk's standard output left by the worker in a file of the parent's spool directory."""

    path: str


Done = tuple[bytes | Spooled, str, tuple[int, ...], dict[str, int], MedcreditError | None]


def run_chunk(job: tuple[Any, ...]) -> Done:
    """Read, evaluate and render one chunk: (stdout, stderr text, account, outcomes by grade, error that stops
    the batch).

    Standard output is UTF-8 bytes, which the parent writes as they are.  With a spool directory they are
    left in a file there: 8.5 kB a subject would otherwise be pickled, sent through a pipe and unpickled,
    which cost the parent as much CPU as a tenth of the grading (bench/cli.py); the parent copies the file
    in the kernel instead.  Where the file cannot be written (a full disk), the bytes come back inline.
    """
    pack_ref, compiled, fmt, lang, file, encoding, first, lines, cycle, trace, override, as_of, linked, spool = job
    ev = _evaluator(pack_ref, compiled)
    out, err, raw = io.StringIO(), io.StringIO(), io.BytesIO()
    write = ItemWriter(ev.pack, fmt, lang, out, err, _DIRECT[(pack_ref, compiled)], raw=raw)
    summary = BatchSummary(tally=ReadTally())
    error: MedcreditError | None = None
    enabled = gc.isenabled()
    gc.disable()  # as the single-process run: results are dropped at once and make no cycles
    try:
        items = iter_jsonl(lines, file, encoding, summary.tally, first_line=first)
        outcomes = evaluate_items(
            ev,
            items,
            cycle,
            summary=summary,
            trace=trace,
            override_validity=override,
            as_of=as_of,
            linked=linked,
            compact=True,
        )
        for item, outcome in outcomes:
            if isinstance(outcome, Result | CompactResult):
                write(outcome, item)
            else:
                write(None, outcome)
    except MedcreditError as exc:  # about the whole batch (e.g. the cycle's validity): stop as one process would
        error = exc
    finally:
        if enabled:
            gc.enable()
    account = (
        summary.read,
        summary.results,
        summary.rejected,
        summary.failed,
        summary.tally.lines,
        summary.tally.blank,
        summary.linked,
    )
    return _spool(raw, spool, first), err.getvalue(), account, dict(write.outcomes), error


def _spool(raw: io.BytesIO, spool: str | None, first: int) -> bytes | Spooled:
    if spool is None:
        return raw.getvalue()
    path = os.path.join(spool, f"lines-{first}.jsonl")
    try:
        with open(path, "wb") as f:
            f.write(raw.getbuffer())
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return raw.getvalue()
    return Spooled(path)


def _chunks(handle: Any) -> Iterator[tuple[int, list[bytes]]]:
    first, lines = 1, []
    for raw in handle:
        lines.append(raw)
        if len(lines) == CHUNK_LINES:
            yield first, lines
            first, lines = first + CHUNK_LINES, []
    if lines:
        yield first, lines


def evaluate_parallel(pack: CompiledPack, args: Any, write: ItemWriter, jobs: int) -> BatchSummary:
    """Evaluate ``args.file`` (JSONL) in ``jobs`` processes; write through ``write``'s streams in input order."""
    name = str(args.file)
    stdin = name == "-"
    file = "<stdin>" if stdin else name
    handle = sys.stdin.buffer if stdin else _open_binary(name)
    summary = BatchSummary()
    compiled = getattr(args, "engine", "compiled") == "compiled"
    trace = not getattr(args, "no_trace", False)
    try:
        sample = handle.peek(SAMPLE_BYTES)[:SAMPLE_BYTES] if hasattr(handle, "peek") else b""
        detected = detect(sample, getattr(args, "encoding", None), file)
        if not detected.is_utf8:
            emit_problems([detected.notice(file)], sys.stderr)
        # workers forked from here (the default on Linux) inherit the pack already compiled and its generated
        # code, instead of each loading and compiling it again (a second or so per process)
        _evaluator(args.pack, compiled, pack)
        with _spool_directory() as spool, ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: deque[Future[Done]] = deque()
            for first, lines in _chunks(handle):
                job = (args.pack, compiled, write.fmt, write.lang, file, detected, first, lines)
                when = (args.cycle, trace, args.override_validity, args.as_of, args.linked, spool)
                pending.append(pool.submit(run_chunk, (*job, *when)))
                if len(pending) >= 2 * jobs:
                    _emit(pending.popleft().result(), write, summary)
            while pending:
                _emit(pending.popleft().result(), write, summary)
    finally:
        if not stdin:
            handle.close()
    return summary


@contextlib.contextmanager
def _spool_directory() -> Iterator[str | None]:
    """A private temporary directory for the workers' output (removed with whatever is left in it), or None
    where none can be made: the output then travels through the pool's pipes."""
    try:
        spool = tempfile.TemporaryDirectory(prefix="medcredit-")
    except OSError:
        yield None
        return
    with spool as path:
        yield path


def _emit(done: Done, write: ItemWriter, summary: BatchSummary) -> None:
    out, err, account, outcomes, error = done
    if isinstance(out, Spooled):
        try:
            _copy_spooled(out.path, write)
        finally:
            os.unlink(out.path)
    else:
        write.utf8(out)
    write.err.write(err)
    write.outcomes.update(outcomes)
    read, results, rejected, failed, lines, blank, linked = account
    summary.linked += linked
    summary.read += read
    summary.results += results
    summary.rejected += rejected
    summary.failed += failed
    summary.tally.lines += lines
    summary.tally.blank += blank
    if error is not None:
        raise error


def _copy_spooled(path: str, write: ItemWriter) -> None:
    """Append the file at ``path`` to the output: by ``sendfile`` (no copy through Python) where the output
    is a descriptor that takes it, else read and written."""
    with open(path, "rb") as f:
        if write.raw is None:  # a text stream: decoded there
            write.utf8(f.read())
            return
        write.raw.flush()  # what is buffered (the lines before, a summary header) goes first
        size = os.fstat(f.fileno()).st_size
        sent = 0
        try:
            target = write.raw.fileno()
            while sent < size:
                n = os.sendfile(target, f.fileno(), sent, size - sent)
                if n == 0:
                    break
                sent += n
        except BrokenPipeError:
            raise  # the reader has gone: as any other write to it
        except (OSError, ValueError, AttributeError):
            pass  # no descriptor (an in-memory stream), or one sendfile cannot write to: copy the rest
        if sent < size:
            f.seek(sent)
            shutil.copyfileobj(f, write.raw)
