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
from medcredit.io.limits import DOCUMENT_LIMITS, YamlLimits, has_surrogate, number_problem

#: Refuse inputs larger than this many nodes after alias expansion ("billion laughs").
MAX_NODES = DOCUMENT_LIMITS.max_nodes
#: Refuse files larger than this many bytes before parsing.
MAX_BYTES = DOCUMENT_LIMITS.max_bytes

# libyaml parses and composes in C (PyYAML wheels ship it); the pure-Python classes are the fallback.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
    #: problems of single values, kept (not raised) when loaded with ``partial=True``; the value is replaced
    problems: tuple[Problem, ...] = ()

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
    def __init__(self, file: str, max_nodes: int = MAX_NODES) -> None:
        self.file = file
        self.max_nodes = max_nodes
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        # an aliased collection is converted once and shared: alias-heavy input costs its unique nodes only
        self.done: dict[int, Any] = {}

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def _problem(self, node: yaml.Node, code: str, message: str, path: YamlPath) -> None:
        line, col = self._mark(node)
        self.problems.append(Problem(code=code, message=message, file=self.file, line=line, column=col, path=path))

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise _TooBigError
        self.positions.setdefault(path, self._mark(node))
        if isinstance(node, yaml.CollectionNode) and id(node) in self.done:
            return self.done[id(node)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._problem(node, "yaml-tag", f"tag '{node.tag}' is not allowed", path)
            mapping = self.done[id(node)] = self._mapping(node, path)
            return mapping
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._problem(node, "yaml-tag", f"tag '{node.tag}' is not allowed", path)
            items = self.done[id(node)] = [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "yaml-key", "mapping keys must be plain scalars", path)
                continue
            key = str(key_node.value)
            if has_surrogate(key):
                self._problem(key_node, "surrogate", "key holds a lone surrogate character (not valid text)", path)
                continue
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
        if has_surrogate(text):
            self._problem(node, "surrogate", "text holds a lone surrogate character (not valid Unicode)", path)
            return ""
        reason = number_problem(text)
        if reason is not None:
            # every number (quoted too: a field may read text as a number) has bounded digits and exponent
            self._problem(node, "number-range", f"{reason}: {text[:40]}{'...' if len(text) > 40 else ''}", path)
            return 0
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


class _RecursiveAliasError(Exception):
    pass


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


def _one(file: str, code: str, message: str, line: int = 1, column: int = 1) -> ProblemsError:
    summary = "document too large" if code == "too-large" else "malformed YAML"
    problem = Problem(code=code, message=message, file=file, line=line, column=column)
    return ProblemsError(f"{file}: {summary}", [problem])


def _syntax_error(exc: yaml.YAMLError, file: str) -> ProblemsError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        return _one(file, "yaml-syntax", msg or "malformed YAML", line, col)
    return _one(file, "yaml-syntax", str(exc))


def _at(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _prescan(text: str, file: str, limits: YamlLimits) -> None:
    """Refuse, from the event stream alone, what would make composition slow or deep.

    The parser is iterative (no recursion) and, with libyaml, runs in C: events cost
    little, so depth, anchors, scalar length and node count are bounded before any
    node tree is built.
    """
    if len(text) > limits.max_bytes:
        raise _one(file, "too-large", f"document is {len(text)} characters; the limit is {limits.max_bytes}")
    if has_surrogate(text):
        offset = next(i for i, ch in enumerate(text) if 0xD800 <= ord(ch) <= 0xDFFF)
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise _one(file, "surrogate", "text holds a lone surrogate character (not valid Unicode)", line, col)
    depth = anchors = 0
    for events, event in enumerate(yaml.parse(text, Loader=_Loader), start=1):
        if events > limits.max_nodes:
            raise _one(file, "too-large", f"more than {limits.max_nodes} nodes")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limits.max_depth:
                raise _one(file, "yaml-depth", f"nested more than {limits.max_depth} levels", *_at(event))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and len(event.value) > limits.max_scalar:
            message = f"a value is {len(event.value)} characters; the limit is {limits.max_scalar}"
            raise _one(file, "too-large", message, *_at(event))
        if isinstance(event, yaml.NodeEvent) and (event.anchor is not None or isinstance(event, yaml.AliasEvent)):
            anchors += 1
            if anchors > limits.max_anchors:
                message = f"more than {limits.max_anchors} anchors and aliases"
                raise _one(file, "too-large", message, *_at(event))


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes in the tree once aliases are expanded, counted over the shared graph (alias bombs cost nothing).

    Recursion is safe: the prescan bounded the depth.
    """
    key = id(node)
    if key in memo:
        if memo[key] < 0:
            raise _RecursiveAliasError
        return memo[key]
    memo[key] = -1  # in progress: meeting it again below means an alias refers to its own ancestor
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, memo) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = size
    return size


def load_yaml(
    text: str, file: str = "<input>", *, limits: YamlLimits = DOCUMENT_LIMITS, partial: bool = False
) -> Located:
    """Parse one YAML document safely; raise :class:`ProblemsError` listing every problem.

    ``limits`` bounds size, depth, anchors and nodes (after alias expansion), so a
    hostile document is refused in bounded time and memory.  ``partial``: problems of single
    values (a number out of range, a duplicate key, a tag) are returned in ``Located.problems``
    with their paths instead of raised, so a reader can refuse only the part that holds them.
    """
    try:
        _prescan(text, file, limits)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file) from exc
    except RecursionError as exc:
        raise _one(file, "yaml-depth", "document is nested too deeply") from exc
    if node is None:
        return Located(data=None, positions={(): (1, 1)}, file=file)
    try:
        size = _expanded_size(node, {})
    except _RecursiveAliasError:
        raise _one(file, "yaml-alias", "an alias refers to a node that contains it (recursive structure)") from None
    if size > limits.max_nodes:
        raise _one(file, "too-large", f"more than {limits.max_nodes} nodes after alias expansion")
    conv = _Converter(file, limits.max_nodes)
    try:
        data = conv.convert(node, ())
    except _TooBigError as exc:
        raise _one(file, "too-large", f"more than {limits.max_nodes} nodes after alias expansion") from exc
    except RecursionError as exc:
        raise _one(file, "yaml-depth", "document is nested too deeply") from exc
    if conv.problems and not partial:
        raise ProblemsError(f"{file}: invalid YAML", conv.problems)
    return Located(data=data, positions=conv.positions, file=file, problems=tuple(conv.problems))


def load_yaml_file(path: Path) -> Located:
    return load_yaml(read_text(path), str(path))
