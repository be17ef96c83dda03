"""Which text encoding a history file uses, and decoding it one line at a time.

County exports come as UTF-8 (with or without a byte-order mark) or as GBK /
GB18030 from older Windows systems.  The encoding is given by the caller or
detected from a sample: GBK-encoded Chinese is almost never valid UTF-8, and
UTF-8 Chinese decoded as GB18030 turns into plausible-looking mojibake, so the
rule is "UTF-8 unless the non-ASCII lines of the sample are not UTF-8 and are
GB18030".  Decoding is per line: a line that cannot be decoded is reported with
the column of its first bad byte and the other lines are still read.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from medcredit.diagnostics.errors import ProblemsError
from medcredit.diagnostics.problems import Problem

#: Bytes looked at to detect the encoding.
SAMPLE_BYTES = 1024 * 1024

UTF8 = "utf-8"
GB18030 = "gb18030"
_BOM = codecs.BOM_UTF8


@dataclass(frozen=True, slots=True)
class Detected:
    """The encoding used for a file and why (``given``, ``bom``, ``detected`` or ``default``)."""

    encoding: str
    how: str

    @property
    def is_utf8(self) -> bool:
        return self.encoding == UTF8

    def notice(self, file: str) -> Problem:
        """The warning that says which encoding was used (given for any encoding but UTF-8)."""
        how = {"given": "as given with --encoding", "detected": "detected: the file is not UTF-8"}.get(
            self.how, self.how
        )
        return Problem(
            code="encoding-used",
            message=f"read as {self.encoding} ({how})",
            level="warning",
            file=file,
            line=1,
            column=1,
        )


def normalise(name: str, file: str = "<input>") -> str:
    """The canonical name of an encoding, or a located usage problem for an unknown one."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ProblemsError(
            f"unknown encoding '{name}'",
            [Problem(code="encoding", message=f"unknown encoding '{name}' (try utf-8 or gb18030)", file=file)],
        ) from None
    # rot13, hex, base64, zlib ... are codecs but not bytes<->text encodings: str.encode/bytes.decode refuse them
    if not getattr(info, "_is_text_encoding", True):
        raise ProblemsError(
            f"unknown encoding '{name}'",
            [
                Problem(
                    code="encoding",
                    message=f"'{name}' is not a text encoding (try utf-8 or gb18030)",
                    file=file,
                )
            ],
        )
    canonical = info.name
    if "\n".encode(canonical) != b"\n":
        # lines are split on the byte 0x0A before decoding, which UTF-16/32 do not allow
        raise ProblemsError(
            f"unsupported encoding '{name}'",
            [Problem(code="encoding", message=f"'{name}' is not ASCII-compatible (use utf-8 or gb18030)", file=file)],
        )
    # GBK and GB2312 are subsets of GB18030: reading with the superset loses nothing
    return GB18030 if canonical in ("gbk", "gb2312", "gb18030") else canonical


def _strictly(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        # a sample may end inside a multi-byte character
        return exc.start >= len(data) - 3 and exc.reason.startswith("unexpected end")
    return True


def detect(sample: bytes, given: str | None = None, file: str = "<input>") -> Detected:
    """The encoding of a file that starts with ``sample``."""
    if given:
        return Detected(normalise(given, file), "given")
    if sample.startswith(_BOM):
        return Detected(UTF8, "bom")
    utf8_lines = other_lines = gb_lines = 0
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith((b"\n", b"\r")):
        lines.pop()  # the sample ends inside its last line, perhaps inside a character: judged by the others
    for line in lines:
        if line.isascii():
            continue
        if _strictly(line, UTF8):
            utf8_lines += 1
        else:
            other_lines += 1
            gb_lines += _strictly(line, GB18030)
    if utf8_lines == 0 and other_lines and gb_lines == other_lines:
        return Detected(GB18030, "detected")
    return Detected(UTF8, "default")


@dataclass(frozen=True, slots=True)
class BadBytes:
    """Where a line stopped decoding: 1-based column (in characters before it) and the reason."""

    column: int
    reason: str


def decode_line(raw: bytes, encoding: str) -> str | BadBytes:
    """One line as text, or where its first undecodable byte is."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode(encoding, errors="replace")
        bad = raw[exc.start : exc.end].hex(" ")
        return BadBytes(len(before) + 1, f"bytes {bad} are not {encoding}: {exc.reason}")


def decode_document(data: bytes, detected: Detected, file: str) -> str:
    """A whole document as text; an undecodable byte is a located error (line and column)."""
    if data.startswith(_BOM) and detected.is_utf8:
        data = data[len(_BOM) :]
    try:
        return data.decode(detected.encoding)
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        start = head.rfind(b"\n") + 1
        column = len(data[start : exc.start].decode(detected.encoding, errors="replace")) + 1
        raise ProblemsError(
            f"{file} is not {detected.encoding}",
            [
                Problem(
                    code="encoding",
                    message=f"bytes {data[exc.start : exc.end].hex(' ')} are not {detected.encoding}: {exc.reason}",
                    file=file,
                    line=line,
                    column=column,
                )
            ],
        ) from None


def decode_lenient(data: bytes, detected: Detected, file: str) -> tuple[str, list[Problem]]:
    """A whole document as text with each undecodable line's bad bytes replaced by U+FFFD.

    Returns the text and one located problem per line that had bad bytes, so that a reader
    can reject only the subjects those lines belong to.
    """
    if data.startswith(_BOM) and detected.is_utf8:
        data = data[len(_BOM) :]
    try:
        return data.decode(detected.encoding), []
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    problems: list[Problem] = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        decoded = decode_line(raw, detected.encoding)
        if isinstance(decoded, BadBytes):
            problems.append(
                Problem(
                    code="history-encoding",
                    message=decoded.reason,
                    file=file,
                    line=number,
                    column=decoded.column,
                )
            )
            decoded = raw.decode(detected.encoding, errors="replace")
        lines.append(decoded)
    return "".join(lines), problems
