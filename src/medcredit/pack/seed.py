"""The last link of the chain of evidence: a pack's registered articles and quotes are in its source text.

The loader checks that every quote is in the article text the pack registers;
here the registered articles, and every quote, are checked against the
document's original text (``document.seed``).  The seed is resolved in a
directory given by the caller (``--seeds DIR``), then relative to the pack
file (beside it, or in a ``seeds/`` folder beside it); bundled packs ship their
seeds in ``medcredit/packs/seeds/``.  When no source text can be found, that is
said plainly, as a warning (``check --strict`` fails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from medcredit.diagnostics.problems import Problem, YamlPath
from medcredit.io.yamlload import Located
from medcredit.pack.model import Pack


def normalise_source(text: str) -> str:
    """Text compared with a seed: white space and the Markdown markup some seeds carry are dropped."""
    text = re.sub(r"(?m)^\s*-\s+", "", text)
    text = text.replace("*", "").replace("#", "")
    return re.sub(r"\s+", "", text)


def seed_candidates(seed: str, pack_file: Path | None, seeds_dir: Path | None) -> list[Path]:
    """Where the seed may be, in order: ``--seeds DIR``, beside the pack file, in ``seeds/`` beside it."""
    path = Path(seed)
    if path.is_absolute():
        return [path]
    found: list[Path] = []
    if seeds_dir is not None:
        found += [seeds_dir / seed, seeds_dir / path.name]
    if pack_file is not None:
        found += [pack_file.parent / seed, pack_file.parent / "seeds" / path.name]
    return list(dict.fromkeys(found))


def bundled_seed(seed: str) -> str | None:
    """The text of a bundled pack's seed (shipped in medcredit/packs/seeds/), None if not shipped."""
    resource = resources.files("medcredit").joinpath("packs").joinpath("seeds").joinpath(Path(seed).name)
    return resource.read_text("utf-8") if resource.is_file() else None


@dataclass(frozen=True)
class SeedVerification:
    """The outcome: the seed file used (None when none was found), problems, and a note for the reader."""

    seed: Path | None
    problems: list[Problem]
    note: str


def verify_seed(pack: Pack, located: Located, *, pack_file: Path | None, seeds_dir: Path | None) -> SeedVerification:
    """Check every registered article and every quote against the pack's seed text.

    ``pack_file`` is None for a bundled pack: its seed is then read from the package.
    """
    seed = pack.document.seed
    candidates = seed_candidates(seed, pack_file, seeds_dir)
    path = next((c for c in candidates if c.is_file()), None)
    raw = bundled_seed(seed) if path is None and pack_file is None else None
    if path is None and raw is None:
        looked = ", ".join(str(c) for c in candidates) or "nowhere (no --seeds DIR given)"
        message = (
            f"no source text: seed '{seed}' not found (looked in: {looked}); the registered articles and "
            "quotes are not verified against the document (give the path relative to the pack, or --seeds DIR)"
        )
        problem = located.problem("seed-not-found", message, ("document", "seed"), level="warning")
        return SeedVerification(None, [problem], message)
    name = path.name if path is not None else Path(seed).name
    try:
        if raw is None and path is not None:
            raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = located.problem("seed-unreadable", f"seed '{path}' cannot be read: {exc}", ("document", "seed"))
        return SeedVerification(path, [problem], f"seed {path} unreadable")
    source = normalise_source(raw or "")
    problems: list[Problem] = []
    for article, text in pack.document.articles.items():
        if normalise_source(text) not in source:
            problems.append(
                located.problem(
                    "article-not-in-seed",
                    f"the text registered for {article} is not in the seed {name} (articles must be verbatim)",
                    ("document", "articles", article),
                )
            )
    # every citation's quote, wherever it is in the pack (rules, measures, exemptions…), at its own line
    for where in sorted(located.positions, key=lambda p: located.positions[p]):
        if not where or where[-1] != "quote":
            continue
        quote, cited = _value_at(located.data, where), _value_at(located.data, (*where[:-1], "article"))
        if isinstance(quote, str) and normalise_source(quote) not in source:
            problems.append(
                located.problem(
                    "quote-not-in-seed",
                    f"the quote cited from {cited} is not in the seed {name} (quotes must be verbatim)",
                    where,
                )
            )
    where_from = str(path) if path is not None else f"the bundled seed {name}"
    return SeedVerification(path, problems, f"articles and quotes verified against {where_from}")


def _value_at(data: object, path: YamlPath) -> object:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
            continue
        if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
            continue
        return None
    return data
