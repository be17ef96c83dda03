"""Checks on the raw text of a pack expression, before Python's parser sees it.

Python's parser is more forgiving than a pack should be: it NFKC-normalises
identifiers (full-width ``ｃｙｃｌｅ`` and mathematical ``𝐜𝐲𝐜𝐥𝐞`` both become
``cycle``), and it accepts comments, line breaks and backslash continuations,
none of which belong in a one-line condition.  These are refused here, on the
text, where they are still visible.
"""

from __future__ import annotations

import io
import tokenize

from medcredit.diagnostics.errors import ExpressionError


def _fail(source: str, message: str) -> ExpressionError:
    text = f"{message} in expression {source!r}"
    err = ExpressionError(text)
    err.bare = text  # type: ignore[attr-defined]  # the located problem uses this text
    return err


def check_source_text(source: str) -> None:
    """Raise :class:`ExpressionError` if ``source`` is not one line of plain-ASCII code (string literals aside)."""
    if "\n" in source or "\r" in source:
        raise _fail(source, "syntax error: an expression must be on one line (no line breaks)")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise _fail(source, f"syntax error: {exc.args[0] if exc.args else exc}") from None
    end = 0
    code: list[str] = []
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            raise _fail(source, "comments ('#') are not allowed")
        # the text between tokens (white space, or a backslash continuation) is code too
        code.append(source[end : tok.start[1]])
        if tok.type != tokenize.STRING:
            code.append(tok.string)
        end = max(end, tok.end[1])
    outside_strings = "".join(code)
    if "\\" in outside_strings:
        raise _fail(source, "backslash continuations are not allowed")
    for ch in outside_strings:
        if not ch.isascii():
            # lookalikes would be normalised to real names by Python: refuse rather than guess
            raise _fail(source, f"character {ch!r} (U+{ord(ch):04X}) is not allowed outside a string literal")
