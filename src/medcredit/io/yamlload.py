"""Safe YAML loading that remembers where every value came from.

PyYAML's safe composer builds a node tree with marks; we convert it ourselves
so that we can (1) reject duplicate keys, which PyYAML silently overwrites,
(2) keep every timestamp-looking scalar as text, so that an impossible date
such as ``2023-02-30`` becomes a located validation problem instead of a
constructor crash, (3) read decimals as :class:`~decimal.Decimal`, never float,
and (4) record a map from YAML path to (line, column) for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from medcredit.diagnostics.errors import ProblemsError
from medcredit.diagnostics.problems import Problem, YamlPath

#: Refuse inputs larger than this many nodes after alias expansion ("billion laughs").
MAX_NODES = 2_000_000
#: Refuse files larger than this many bytes before parsing.
MAX_BYTES = 64 * 1024 * 1024

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MAP_TAG = "tag:yaml.org,2002:map"
_SCALAR_TAGS = frozenset({_INT_TAG, _FLOAT_TAG, _BOOL_TAG, _NULL_TAG, _STR_TAG, _TIMESTAMP_TAG})
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True, slots=True)
class Located:
    """A loaded document and the position of every path in it."""

    data: Any
    positions: dict[YamlPath, tuple[int, int]]
    file: str

    def where(self, path: YamlPath) -> tuple[int, int]:
        """Line and column of ``path``, or of its nearest located ancestor."""
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(
        self,
        code: str,
        message: str,
        path: YamlPath,
        *,
        level: str = "error",
        suggestion: str | None = None,
    ) -> Problem:
        line, col = self.where(path)
        return Problem(
            code=code,
            message=message,
            level="warning" if level == "warning" else "error",
            file=self.file,
            line=line,
            column=col,
            path=tuple(path),
            suggestion=suggestion,
        )


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: yaml.Node, code: str, message: str, path: YamlPath) -> None:
        line, col = self._mark(node)
        self.problems.append(Problem(code=code, message=message, file=self.file, line=line, column=col, path=path))

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBigError
        self.positions.setdefault(path, self._mark(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._problem(node, "yaml-tag", f"tag '{node.tag}' is not allowed", path)
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._problem(node, "yaml-tag", f"tag '{node.tag}' is not allowed", path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "yaml-key", "mapping keys must be plain scalars", path)
                continue
            key = str(key_node.value)
            if key == "<<":
                self._problem(key_node, "yaml-merge", "YAML merge keys ('<<') are not allowed", path)
                continue
            kpath = (*path, key)
            if key in out:
                first = self.positions.get(kpath, (0, 0))
                self._problem(
                    key_node,
                    "duplicate-key",
                    f"duplicate key '{key}' (first defined at line {first[0]})",
                    kpath,
                )
                continue
            self.positions[kpath] = self._mark(key_node)
            out[key] = self.convert(value_node, kpath)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: YamlPath) -> Any:
        text = node.value
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            # only the plain YAML types: no python/object, no custom or binary tags
            self._problem(node, "yaml-tag", f"tag '{tag}' is not allowed", path)
            return text
        if tag == _STR_TAG or node.style in ("'", '"', "|", ">"):
            return text
        if tag == _NULL_TAG:
            return None
        if tag == _BOOL_TAG:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _INT_TAG:
            try:
                return int(text.replace("_", ""), 0) if text.startswith("0x") else int(text.replace("_", ""))
            except ValueError:
                return text
        if tag == _FLOAT_TAG:
            cleaned = text.replace("_", "")
            if cleaned.lower() in (".inf", "+.inf", "-.inf", ".nan"):
                return text  # left as text: numeric fields reject it with a clear message
            try:
                return Decimal(cleaned)
            except InvalidOperation:
                return text
        return text  # timestamps stay text: pydantic parses (and rejects) dates with a location


class _TooBigError(Exception):
    pass


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a file's bytes, refusing huge or unreadable files with a clear error."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size <= max_bytes:
            return path.read_bytes()
    except OSError as exc:
        raise ProblemsError(
            f"cannot read {name}",
            [Problem(code="io", message=str(exc.strerror or exc), file=name)],
        ) from exc
    raise ProblemsError(
        f"{name} is too large",
        [Problem(code="too-large", message=f"file is {size} bytes; the limit is {max_bytes}", file=name)],
    )


def read_text(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 file, refusing huge files and undecodable bytes with a clear error."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProblemsError(
            f"cannot read {name}",
            [Problem(code="io", message=str(exc.strerror or exc), file=name)],
        ) from exc
    if size > max_bytes:
        raise ProblemsError(
            f"{name} is too large",
            [
                Problem(
                    code="too-large",
                    message=f"file is {size} bytes; the limit is {max_bytes}",
                    file=name,
                )
            ],
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemsError(
            f"{name} is not UTF-8",
            [Problem(code="encoding", message=f"not valid UTF-8: {exc.reason}", file=name)],
        ) from exc
    except OSError as exc:
        raise ProblemsError(
            f"cannot read {name}",
            [Problem(code="io", message=str(exc.strerror or exc), file=name)],
        ) from exc


def load_yaml(text: str, file: str = "<input>") -> Located:
    """Parse one YAML document safely; raise :class:`ProblemsError` listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        col = mark.column + 1 if mark else 0
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ProblemsError(
            f"{file}: malformed YAML",
            [
                Problem(
                    code="yaml-syntax",
                    message=msg or "malformed YAML",
                    file=file,
                    line=line,
                    column=col,
                )
            ],
        ) from exc
    except yaml.YAMLError as exc:
        raise ProblemsError(
            f"{file}: malformed YAML",
            [Problem(code="yaml-syntax", message=str(exc), file=file, line=1, column=1)],
        ) from exc
    except RecursionError as exc:
        raise ProblemsError(
            f"{file}: malformed YAML",
            [
                Problem(
                    code="yaml-depth",
                    message="document is nested too deeply",
                    file=file,
                    line=1,
                    column=1,
                )
            ],
        ) from exc
    if node is None:
        return Located(data=None, positions={(): (1, 1)}, file=file)
    conv = _Converter(file)
    try:
        data = conv.convert(node, ())
    except _TooBigError as exc:
        raise ProblemsError(
            f"{file}: document too large",
            [
                Problem(
                    code="too-large",
                    message=f"more than {MAX_NODES} nodes after alias expansion",
                    file=file,
                    line=1,
                    column=1,
                )
            ],
        ) from exc
    except RecursionError as exc:
        raise ProblemsError(
            f"{file}: malformed YAML",
            [
                Problem(
                    code="yaml-depth",
                    message="document is nested too deeply",
                    file=file,
                    line=1,
                    column=1,
                )
            ],
        ) from exc
    if conv.problems:
        raise ProblemsError(f"{file}: invalid YAML", conv.problems)
    return Located(data=data, positions=conv.positions, file=file)


def load_yaml_file(path: Path) -> Located:
    return load_yaml(read_text(path), str(path))
