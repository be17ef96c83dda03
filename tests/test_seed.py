"""The chain of evidence ends in the document: registered articles and quotes are in the pack's seed text.

A pack file's seed is resolved beside the pack (or in ``--seeds DIR``); bundled
packs ship their seeds, so their quotes are verified wherever medcredit runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.io.yamlload import load_yaml
from medcredit.pack.loader import read_pack_source
from medcredit.pack.seed import bundled_seed, verify_seed

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "example"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.mark.parametrize("name", medcredit.bundled_pack_names())
def test_bundled_packs_verify_against_their_shipped_seeds(name: str) -> None:
    """Every registered article and quote of a bundled pack is in the seed shipped with the package."""
    source = read_pack_source(name)
    pack = medcredit.load_pack(name)
    result = verify_seed(pack.model, load_yaml(source.text, source.file), pack_file=None, seeds_dir=None)
    assert result.problems == []
    assert "verified against the bundled seed" in result.note


@pytest.mark.parametrize("name", medcredit.bundled_pack_names())
def test_shipped_seeds_are_the_originals(name: str) -> None:
    """The seeds in the package are byte-for-byte the originals in ../shared/seeds."""
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout: nothing to compare the shipped seeds with")
    seed = medcredit.load_pack(name).document.seed
    assert bundled_seed(seed) == (SHARED_SEEDS / seed).read_text(encoding="utf-8")


def _example_copy(tmp_path: Path, *, seed: bool = True) -> Path:
    pack = tmp_path / "county.yaml"
    shutil.copy(EXAMPLE / "example-county.yaml", pack)
    if seed:
        shutil.copy(EXAMPLE / "source.txt", tmp_path / "source.txt")
    return pack


def test_quote_not_in_the_seed_fails_validate_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An article and its quote edited together (扣10分 → 扣12分) load, but are not the document's words."""
    pack = _example_copy(tmp_path)
    text = pack.read_text(encoding="utf-8").replace("每次扣10分", "每次扣12分")
    pack.write_text(text, encoding="utf-8")
    assert main(["validate", str(pack)]) == 1
    out = capsys.readouterr().out
    lines = text.splitlines()
    article_line = next(i for i, line in enumerate(lines, 1) if line.startswith("    第四条:"))
    quote_line = next(i for i, line in enumerate(lines, 1) if "quote: 被约谈的，每次扣12分；" in line)
    assert f"{pack}:{article_line}:" in out and "(article-not-in-seed)" in out
    assert f"{pack}:{quote_line}:" in out and "(quote-not-in-seed)" in out


def test_missing_seed_is_said_plainly_and_fails_strict_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No source text: validate warns (exit 0), check --strict fails; both name the places looked in."""
    pack = _example_copy(tmp_path, seed=False)
    assert main(["validate", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "no source text: seed 'source.txt' not found" in out and str(tmp_path / "source.txt") in out
    assert main(["check", "--strict", "--today", "2026-11-25", str(pack)]) == 1
    assert "(seed-not-found)" in capsys.readouterr().out.replace("[seed-not-found]", "(seed-not-found)")


def test_seeds_dir_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--seeds DIR finds a seed kept apart from the pack."""
    pack = _example_copy(tmp_path, seed=False)
    seeds = tmp_path / "texts"
    seeds.mkdir()
    shutil.copy(EXAMPLE / "source.txt", seeds / "source.txt")
    assert main(["check", "--strict", "--today", "2026-11-25", "--seeds", str(seeds), str(pack)]) == 0
    assert main(["validate", "--seeds", str(seeds), str(pack)]) == 0
    assert f"verified against {seeds / 'source.txt'}" in capsys.readouterr().err


def test_validate_bundled_name_prints_ok_like_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    """`validate wushan` and `validate policies/wushan.yaml` both end with the same "ok" line."""
    assert main(["validate", "wushan"]) == 0
    by_name = capsys.readouterr().err.splitlines()[-1]
    assert main(["validate", str(ROOT / "policies" / "wushan.yaml")]) == 0
    by_path = capsys.readouterr().err.splitlines()[-1]
    assert by_name.split(": ", 1)[1] == by_path.split(": ", 1)[1]
    assert by_name.startswith("wushan: ok (wushan, sha256:")


def test_properties_leave_no_hypothesis_folder_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`medcredit properties` keeps hypothesis's cache under $XDG_CACHE_HOME/medcredit, not in the cwd."""
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    work, cache = tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    before = storage_directory(intent_to_write=False)
    before = getattr(before, "home_directory", before)  # a Path in older hypothesis releases
    try:
        assert main(["properties", "wushan", "--property", "bands"]) == 0
        assert not (work / ".hypothesis").exists()
        now = storage_directory(intent_to_write=False)
        assert getattr(now, "home_directory", now) == cache / "medcredit" / "hypothesis"
    finally:
        set_hypothesis_home_dir(before)  # the test session's own setting
