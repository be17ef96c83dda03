"""Every bundled pack is faithful to its seed and documented without drift.

The chain of evidence: a rule's quote must appear in the article text the pack
registers (checked when the pack loads), and here every registered article
text must appear in the original document under ``../shared/seeds``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import medcredit
from medcredit.authoring.docgen import catalogue_markdown, coverage_markdown
from medcredit.pack.coverage import uncovered

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
PACKS = medcredit.bundled_pack_names()


def _normalise(text: str) -> str:
    """Drop white space and the Markdown markup some seeds carry (bold, headings, bullets)."""
    text = re.sub(r"(?m)^\s*-\s+", "", text)
    text = text.replace("*", "").replace("#", "")
    return re.sub(r"\s+", "", text)


def test_four_packs_are_bundled() -> None:
    """The mission's four jurisdictions ship with the package."""
    assert {"wushan", "suixian", "zhongmou", "liaoning"} <= set(PACKS)


@pytest.mark.parametrize("name", PACKS)
def test_pack_loads_from_the_installed_package(name: str) -> None:
    """load_pack(name) works by name, and the file in policies/ is the same pack."""
    by_name = medcredit.load_pack(name)
    by_path = medcredit.load_pack(ROOT / "policies" / f"{name}.yaml")
    assert by_name.content_hash == by_path.content_hash


@pytest.mark.parametrize("name", PACKS)
def test_every_registered_article_is_in_the_seed(name: str) -> None:
    """Article texts in document.articles are verbatim (modulo white space) from the seed."""
    pack = medcredit.load_pack(name)
    seed = SEEDS / pack.document.seed
    if not SEEDS.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    text = _normalise(seed.read_text(encoding="utf-8"))
    missing = [a for a, body in pack.document.articles.items() if _normalise(body) not in text]
    assert missing == [], f"articles whose text is not in {seed.name}: {missing}"


@pytest.mark.parametrize("name", PACKS)
def test_every_article_is_covered_or_explained(name: str) -> None:
    """Each article has an executable element citing it or a stated reason in non_executable."""
    pack = medcredit.load_pack(name)
    assert uncovered(pack.model) == []


@pytest.mark.parametrize("name", PACKS)
def test_coverage_table_is_up_to_date(name: str) -> None:
    """docs/coverage/NAME.md equals what `medcredit docs` generates now (no drift)."""
    expected = coverage_markdown(medcredit.load_pack(name))
    actual = (ROOT / "docs" / "coverage" / f"{name}.md").read_text(encoding="utf-8")
    assert actual == expected, "run `medcredit docs docs` and commit the result"


def test_catalogue_page_is_up_to_date() -> None:
    """docs/catalogue.md equals what `medcredit docs` generates now."""
    assert (ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8") == catalogue_markdown()


@pytest.mark.parametrize("name", PACKS)
def test_every_interpretation_is_visible(name: str) -> None:
    """Interpretations have a clause, a question and a decision (they show in docs and traces)."""
    pack = medcredit.load_pack(name)
    assert pack.interpretations, "a pack without interpretations has not looked hard enough at its text"
    for i in pack.interpretations:
        assert i.clause
        assert i.question
        assert i.decision


@pytest.mark.parametrize(
    "page", ["checks.md", "pack-format.md", "history-format.md", "api.md", "expressions.md", "case-files.md"]
)
def test_reference_pages_are_up_to_date(page: str) -> None:
    """docs/reference pages equal what `medcredit docs` generates from the code (no drift)."""
    from medcredit.authoring.docgen import api_markdown, checks_markdown, format_markdown, history_format_markdown
    from medcredit.pack.namespace import namespace_markdown
    from medcredit.packtests.reference import case_format_markdown

    generated = {
        "checks.md": checks_markdown,
        "pack-format.md": format_markdown,
        "history-format.md": history_format_markdown,
        "api.md": api_markdown,
        "expressions.md": namespace_markdown,
        "case-files.md": case_format_markdown,
    }[page]()
    assert (ROOT / "docs" / "reference" / page).read_text(encoding="utf-8") == generated + "\n"


def test_every_public_name_is_documented() -> None:
    """The facade is the API reference: each exported function and class says what it does."""
    import inspect

    import medcredit

    undocumented = [
        n
        for n in medcredit.__all__
        if (inspect.isfunction(getattr(medcredit, n)) or inspect.isclass(getattr(medcredit, n)))
        and not inspect.getdoc(getattr(medcredit, n))
    ]
    assert undocumented == []
