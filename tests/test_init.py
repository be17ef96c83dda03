"""`medcredit init SEED --id NAME OUT`: a new pack starts from its document's own words.

The expectations are the bundled packs' registries, which were written by hand
from the same documents: the scaffold must find the same articles, verbatim.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

import medcredit
from medcredit.authoring.scaffold import guess_metadata, split_articles
from medcredit.cli.main import main
from medcredit.pack.seed import normalise_source

ROOT = Path(__file__).resolve().parents[1]
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
WUSHAN_SEED = "004_dc3d7edc95aa6502.txt"


def _bundled_seed(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(resources.files("medcredit").joinpath(f"packs/seeds/{name}").read_text("utf-8"), "utf-8")
    return path


def _init(seed: Path, out: Path) -> dict[str, object]:
    assert main(["init", str(seed), "--id", "wushan_new", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _check_wushan_skeleton(seed: Path, data: dict[str, object]) -> None:
    document = data["document"]
    assert isinstance(document, dict)
    articles: dict[str, str] = document["articles"]
    source = normalise_source(seed.read_text(encoding="utf-8"))
    # the verbatim check validate runs: every registered article is in the seed
    assert [a for a, text in articles.items() if normalise_source(text) not in source] == []
    # 巫山 办法: 第一条 … 第二十七条 and the 附件 (计分标准), as in the hand-written pack
    bundled = medcredit.load_pack("wushan").document.articles
    assert list(articles) == list(bundled)
    for article in bundled:
        if article != "附件":  # the scaffold keeps the annex's own title line too
            assert normalise_source(articles[article]) == normalise_source(bundled[article]), article
    assert normalise_source(bundled["附件"]) in normalise_source(articles["附件"])
    assert articles["第二十七条"] == "本办法自2023年1月1日起试行。"


def test_init_on_the_wushan_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The skeleton's articles registry is the Wushan document, article by article, verbatim."""
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout (the shipped copy is tested below)")
    seed = SHARED_SEEDS / WUSHAN_SEED
    out = tmp_path / "wushan_new.yaml"
    data = _init(seed, out)
    _check_wushan_skeleton(seed, data)
    document = data["document"]
    assert isinstance(document, dict)
    assert (out.parent / document["seed"]).resolve() == seed.resolve() or Path(document["seed"]) == seed.resolve()


def test_init_on_the_shipped_wushan_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Same, from the seed shipped with the package; the seed path is relative to the new pack."""
    seed = _bundled_seed(tmp_path, WUSHAN_SEED)
    out = tmp_path / "wushan_new.yaml"
    data = _init(seed, out)
    _check_wushan_skeleton(seed, data)
    document = data["document"]
    assert isinstance(document, dict)
    assert document["seed"] == WUSHAN_SEED
    # metadata read from the notice: 巫山医保发〔2022〕82号, 2022年12月28日, 自2023年1月1日起试行
    bundled = medcredit.load_pack("wushan").document
    assert (document["number"], document["issued"], document["effective"]) == (
        bundled.number,
        bundled.issued,
        bundled.effective,
    )
    assert document["issuer"] == bundled.issuer
    cases = yaml.safe_load((tmp_path / "wushan_new.cases.yaml").read_text(encoding="utf-8"))
    assert cases["pack"] == "wushan_new.yaml"


def test_outline_numbering_is_split_too(tmp_path: Path) -> None:
    """睢县 方案 is numbered 一、（一）: its sections become 三、三（一）… and are verbatim."""
    seed = _bundled_seed(tmp_path, "001_a1a686247af0236f.txt")
    text = seed.read_text(encoding="utf-8")
    articles = split_articles(text)
    bundled = medcredit.load_pack("suixian").document.articles
    for article in ("一", "二", "三", "三（一）", "三（二）", "三（三）", "四（一）", "六（四）"):
        assert article in articles and article in bundled
    source = normalise_source(text)
    assert all(normalise_source(t) in source for t in articles.values())
    assert guess_metadata(text).number == medcredit.load_pack("suixian").document.number


def test_init_refuses_to_overwrite_and_checks_the_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = _bundled_seed(tmp_path, WUSHAN_SEED)
    out = tmp_path / "p.yaml"
    assert main(["init", str(seed), "--id", "p", str(out)]) == 0
    assert main(["init", str(seed), "--id", "p", str(out)]) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert main(["init", str(seed), "--id", "p", "--force", str(out)]) == 0
    with pytest.raises(SystemExit) as exc:
        main(["init", str(seed), "--id", "Bad-Id", str(out)])
    assert exc.value.code == 2
    assert main(["init", str(tmp_path / "missing.txt"), "--id", "p", str(tmp_path / "q.yaml")]) == 2
