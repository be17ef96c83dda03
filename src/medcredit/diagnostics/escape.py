"""Text from an input made safe to print: control characters shown, never obeyed.

An id, a name or a bad value echoed in a message comes from a file someone else
wrote.  Printed raw, a line feed forges a line (a second problem, a second TSV
row), a tab shifts columns, ESC and BEL drive the terminal.  Every text output
that is not JSON (JSON escapes them itself) passes such text through
:func:`one_line` (or :func:`keep_lines` for a message laid out on several lines):
C0 controls, DEL, C1 controls, the Unicode line and paragraph separators (which
some tools read as line breaks) and the bidirectional overrides and isolates
(which reorder what a terminal shows) are written as Python-style escapes
(``\\n``, ``\\t``, ``\\x1b``, ``\\u2028``).  Everything else, CJK text
included, is printed as it is.

GitHub workflow commands have their own escaping (:func:`github_message`,
:func:`github_property`).
"""

from __future__ import annotations

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


_UNSAFE = (
    *range(0x00, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
)

_ONE_LINE = {code: _escape(code) for code in _UNSAFE}
_KEEP_LINES = {code: text for code, text in _ONE_LINE.items() if code != ord("\n")}


def one_line(text: str) -> str:
    """``text`` with every control character escaped: printed, it is exactly one line."""
    return text.translate(_ONE_LINE)


def keep_lines(text: str) -> str:
    """``text`` with every control character but the line feed escaped (a message of several lines)."""
    return text.translate(_KEEP_LINES)


def github_message(text: str) -> str:
    """The message of a GitHub workflow command (``::error ...::MESSAGE``): ``%``, CR and LF percent-encoded,
    so a value cannot end the command and start another; other control characters escaped as in
    :func:`one_line`."""
    encoded = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return one_line(encoded)


def github_property(text: str) -> str:
    """A property value of a GitHub workflow command (``file=VALUE,line=...``): as a message, and ``:`` and
    ``,`` percent-encoded too, so a value cannot end the property list."""
    return github_message(text).replace(":", "%3A").replace(",", "%2C")
