"""Find, read, validate and compile policy packs.

``load_pack("wushan")`` finds a bundled pack; any other argument that names an
existing file is read from disk.  All problems (YAML, shape, meaning) are
collected and raised together as a :class:`~medcredit.diagnostics.errors.PackError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from medcredit.diagnostics.errors import PackError, PackNotFoundError, ProblemsError
from medcredit.diagnostics.problems import Problem, has_errors, rank, suggest
from medcredit.io.limits import PACK_LIMITS
from medcredit.io.pydantic_problems import problems_from_validation
from medcredit.io.yamlload import load_yaml, read_text
from medcredit.pack.compiled import CompiledPack, compile_pack
from medcredit.pack.model import Pack


def bundled_pack_names() -> list[str]:
    """Names of the packs shipped inside the package, sorted."""
    folder = resources.files("medcredit").joinpath("packs")
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def _read(name_or_path: str | Path) -> tuple[str, str]:
    """(text, display name) of a pack given by bundled name or file path."""
    text_name = str(name_or_path)
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists() or "/" in text_name:
        if not path.exists():
            raise PackNotFoundError(f"pack file not found: {text_name}")
        return read_text(path, max_bytes=PACK_LIMITS.max_bytes), text_name
    names = bundled_pack_names()
    if text_name not in names:
        hint = suggest(text_name, names)
        extra = f"; did you mean '{hint}'?" if hint else ""
        raise PackNotFoundError(f"no bundled pack named '{text_name}' (bundled: {', '.join(names)}){extra}")
    resource = resources.files("medcredit").joinpath(f"packs/{text_name}.yaml")
    return resource.read_text("utf-8"), f"policies/{text_name}.yaml"


@dataclass(frozen=True)
class PackSource:
    """A pack's text, the name problems are reported under, and its file (None for a bundled pack)."""

    text: str
    file: str
    path: Path | None


def read_pack_source(name_or_path: str | Path) -> PackSource:
    """Read a pack given by bundled name or file path (PackNotFoundError, with a suggestion, if neither)."""
    text, file = _read(name_or_path)
    bundled = file.startswith("policies/") and not Path(name_or_path).exists()
    return PackSource(text, file, None if bundled else Path(name_or_path))


def validate_pack_text(text: str, file: str) -> tuple[CompiledPack | None, list[Problem]]:
    """Validate and compile; return the pack (None on errors) and every problem, ranked."""
    try:
        located = load_yaml(text, file, limits=PACK_LIMITS)
    except ProblemsError as exc:
        return None, rank(exc.problems)
    if not isinstance(located.data, dict):
        return None, [located.problem("pack-not-mapping", "a pack must be a YAML mapping", ())]
    try:
        model = Pack.model_validate(located.data)
    except ValidationError as exc:
        return None, rank(problems_from_validation(exc, Pack, file=file, locate=located.where, data=located.data))
    compiled, problems = compile_pack(model, located, file)
    problems = rank(problems)
    if compiled is None or has_errors(problems):
        return None, problems
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return replace(compiled, content_hash=f"sha256:{digest}"), problems


def load_pack(name_or_path: str | Path) -> CompiledPack:
    """Load a bundled pack by name or a pack file by path.

    Raises PackNotFoundError for a name that is neither a bundled pack nor a file, PackError (with every
    problem located) for a pack that does not load or validate.
    """
    text, file = _read(name_or_path)
    return _load_cached(text, file)


@lru_cache(maxsize=32)
def _load_cached(text: str, file: str) -> CompiledPack:
    compiled, problems = validate_pack_text(text, file)
    if compiled is None:
        raise PackError(f"{file}: the pack is invalid", problems)
    return compiled
