"""`medcredit serve` over real HTTP: results equal the library's, problems are RFC 9457, limits hold (serve)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from medcredit import __version__
from medcredit.cli.main import main
from medcredit.engine.evaluation import evaluate
from medcredit.history.reader import load_subject
from medcredit.pack.loader import load_pack
from medcredit.procedures.querystore import SqliteQueryLog
from medcredit.render.output import render_text, result_to_dict
from medcredit.serve.app import create_app
from medcredit.serve.config import ServiceConfig
from serve_server import MAX_BATCH, MAX_BODY, Server

ROOT = Path(__file__).resolve().parents[1]
PHARMACY = ROOT / "examples" / "one-pharmacy.json"
LINES = (ROOT / "examples" / "wushan-subjects.jsonl").read_text(encoding="utf-8").splitlines()
PROBLEM_JSON = "application/problem+json"


def _post(server: Server, path: str, body: Any, **params: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return httpx.post(
        server.url + path,
        params=params,
        content=content,
        headers={"content-type": "application/json"},
        timeout=60,
    )


def _subject() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PHARMACY.read_text(encoding="utf-8"))
    return data


def test_healthz_lists_packs_with_hashes(server: Server) -> None:
    r = httpx.get(server.url + "/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["medcredit_version"] == __version__
    wushan = load_pack("wushan")
    assert {"id": "wushan", "content_hash": wushan.content_hash, "document": wushan.document.number} in body["packs"]
    assert r.headers["Medcredit-Version"] == __version__


def test_evaluate_one_subject_equals_the_library(server: Server) -> None:
    r = _post(server, "/v1/evaluate", _subject(), pack="wushan", cycle=2023)
    assert r.status_code == 200, r.text
    pack = load_pack("wushan")
    expected = result_to_dict(evaluate(pack, load_subject(PHARMACY), 2023), pack)
    body = r.json()
    assert body["results"] == [expected]
    assert body["summary"] == {"inputs": 1, "evaluated": 1, "rejected": 0}
    assert body["pack"]["content_hash"] == pack.content_hash == r.headers["Medcredit-Pack-Hash"]
    assert r.headers["Medcredit-Pack"] == "wushan"
    assert r.headers["Medcredit-Version"] == body["medcredit_version"] == __version__


def test_trace_modes(server: Server) -> None:
    full = _post(server, "/v1/evaluate", _subject(), pack="wushan", cycle=2023, trace="full").json()["results"][0]
    summary = _post(server, "/v1/evaluate", _subject(), pack="wushan", cycle=2023, trace="summary").json()
    none = _post(server, "/v1/evaluate", _subject(), pack="wushan", cycle=2023, trace="none").json()["results"][0]
    short = summary["results"][0]
    assert "trace" not in none and none["grade"] == full["grade"] == short["grade"]
    assert 0 < len(short["trace"]["steps"]) < len(full["trace"]["steps"])
    # every rule step kept in the summary gave points; the ones dropped gave none
    kept_rules = [s for s in short["trace"]["steps"] if s["kind"] == "rule"]
    assert kept_rules and all(s.get("points") not in (None, "0", "0.00") for s in kept_rules)


def test_batch_accounts_for_every_subject(server: Server) -> None:
    """inputs = evaluated + rejected; the bad subject is located by line and column in the body."""
    subjects = [json.loads(line) for line in LINES[:4]]
    subjects[2]["records"][0]["amount"] = "1.001"  # more than two decimals (amounts are in fen)
    body = json.dumps({"subjects": subjects}, ensure_ascii=False, indent=1)
    r = _post(server, "/v1/evaluate", body.encode("utf-8"), pack="wushan", cycle=2023, trace="none")
    assert r.status_code == 200
    data = r.json()
    assert data["summary"] == {"inputs": 4, "evaluated": 3, "rejected": 1}
    (rejected,) = [x for x in data["results"] if x["status"] == "rejected"]
    assert data["results"].index(rejected) == 2
    (problem,) = rejected["problems"]
    line = next(i for i, text in enumerate(body.splitlines(), start=1) if '"1.001"' in text)
    assert (problem["line"], problem["path"]) == (line, "subjects[2].records[0].amount")


def test_explain_in_english_is_the_library_text(server: Server) -> None:
    r = _post(server, "/v1/explain", _subject(), pack="wushan", cycle=2023, lang="en")
    assert r.status_code == 200
    pack = load_pack("wushan")
    assert r.json()["results"][0]["text"] == render_text(evaluate(pack, load_subject(PHARMACY), 2023), pack, "en")


def test_compare_every_pack(server: Server) -> None:
    r = _post(server, "/v1/compare", _subject(), cycle=2023)
    assert r.status_code == 200
    rows = r.json()["results"]
    assert sorted(row["pack"] for row in rows) == ["liaoning", "suixian", "wushan", "zhongmou"]
    assert r.headers["Medcredit-Pack"] == "liaoning,suixian,wushan,zhongmou"


def test_standing_needs_officer_and_purpose_and_is_logged(server: Server) -> None:
    """中牟 三（二）3: 查询信用信息应记录查询人员姓名、时间、内容及用途, kept long-term."""
    missing = _post(server, "/v1/standing", _subject(), pack="zhongmou", as_of="2024-03-01")
    assert missing.status_code == 422 and missing.headers["content-type"] == PROBLEM_JSON
    assert {p["path"] for p in missing.json()["problems"]} == {"officer", "purpose"}
    r = _post(
        server, "/v1/standing", _subject(), pack="zhongmou", as_of="2024-03-01", officer="王科员", purpose="信用复核"
    )
    assert r.status_code == 200, r.text
    assert r.json()["standing"]["subject"] == _subject()["id"]
    log = SqliteQueryLog(server.query_log)
    assert log.verify() >= 1
    entry = log.for_subject(_subject()["id"])[-1]
    assert (entry.officer, entry.purpose) == ("王科员", "信用复核")
    assert "2024-03-01" in entry.content and entry.at.endswith("+00:00")


def test_deadline_counts_working_days_of_the_official_calendar(server: Server) -> None:
    """辽宁 第二十七条: 收到异议申请后，应当在三个工作日内进行核查.

    Received Friday 2024-09-27: Sunday 09-29 is an official make-up working day (1), Monday
    09-30 (2), 10-01..10-07 is the National Day holiday, Tuesday 10-08 (3).
    """
    r = httpx.post(
        server.url + "/v1/deadline",
        params={"pack": "liaoning", "deadline": "objection_verification", "start": "2024-09-27"},
    )
    assert r.status_code == 200, r.text
    (answer,) = r.json()["deadlines"]
    assert answer["due"] == "2024-10-08"
    assert answer["article"] == "第二十七条"


def test_repair_answers_condition_by_condition(server: Server) -> None:
    """辽宁 第三十一条: 行政处罚信息公示期满六个月 … 可以申请信用修复 — two months in, not yet."""
    subject = {
        "id": "92500237MA5U000031",
        "category": "retail_pharmacy",
        "records": [
            {"kind": "administrative_penalty", "id": "P1", "date": "2024-01-10", "publicity_start": "2024-01-10"}
            | {"fulfilled": True, "code": "inst_non_covered_billing"}
            | {"document": {"kind": "administrative_decision", "number": "辽医保罚〔2024〕1号"}}
        ],
    }
    r = _post(server, "/v1/repair", subject, pack="liaoning", record="P1", on="2024-03-10")
    assert r.status_code == 200, r.text
    answer = r.json()["repair"]
    pack = load_pack("liaoning")
    from medcredit.history.model import Subject
    from medcredit.repair.assess import assess_repair

    expected = assess_repair(pack, Subject.model_validate(subject), "P1", dt.date(2024, 3, 10), declarations={})
    assert answer == json.loads(json.dumps(expected.as_dict()))
    assert answer["eligible"] is False
    assert any(not c["met"] and c["article"] == "第三十一条" for c in answer["conditions"])


def test_repair_refuses_a_declaration_the_pack_does_not_ask_for(server: Server) -> None:
    """A misspelt ``declare`` would leave its condition undeclared without a word: 422 naming it, as the CLI."""
    subject = {
        "id": "92500237MA5U000031",
        "category": "retail_pharmacy",
        "records": [{"kind": "administrative_penalty", "id": "P1", "date": "2024-01-10"}],
    }
    r = _post(server, "/v1/repair", subject, pack="liaoning", record="P1", on="2024-03-10", declare="bogus")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "unknown declaration 'bogus'" in r.text


def test_packs_and_schemas(server: Server) -> None:
    packs = httpx.get(server.url + "/v1/packs").json()["packs"]
    assert [p["id"] for p in packs] == ["liaoning", "suixian", "wushan", "zhongmou"]
    detail = httpx.get(server.url + "/v1/packs/zhongmou")
    pack = load_pack("zhongmou")
    body = detail.json()["pack"]
    assert body["content_hash"] == pack.content_hash == detail.headers["Medcredit-Pack-Hash"]
    assert body["articles"] == dict(pack.document.articles)
    assert [i["id"] for i in body["interpretations"]] == [i.id for i in pack.model.interpretations]
    schema = httpx.get(server.url + "/v1/schemas/history").json()
    assert schema["title"] == "medcredit subject history"
    assert httpx.get(server.url + "/v1/schemas/nonsense").status_code == 422


@pytest.mark.parametrize(
    ("path", "params", "body", "status", "kind"),
    [
        ("/v1/evaluate", {"pack": "nowhere", "cycle": 2023}, b"{}", 404, "unknown-pack"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2023}, b'{"id": "x",', 400, "malformed-json"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2023}, b"", 400, "empty-body"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2023}, '{"id": "中"}'.encode("gbk"), 400, "encoding"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 99999}, b"{}", 422, "invalid-parameters"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2023, "trace": "some"}, b"{}", 422, "invalid-parameters"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2023}, b" " * (MAX_BODY + 1), 413, "too-large"),
        ("/v1/evaluate", {"pack": "wushan", "cycle": 2000}, PHARMACY.read_bytes(), 422, "ValidityError"),
        ("/v1/deadline", {"pack": "liaoning", "deadline": "objection", "start": "2024-01-02"}, b"", 422, ""),
    ],
)
def test_errors_are_problem_documents(
    server: Server, path: str, params: dict[str, Any], body: bytes, status: int, kind: str
) -> None:
    r = httpx.post(server.url + path, params=params, content=body, timeout=60)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    doc = r.json()
    assert doc["status"] == status and doc["type"].startswith("urn:medcredit:problem:")
    assert doc["type"].endswith(kind) and doc["medcredit_version"] == __version__
    assert {p["id"]: p["content_hash"] for p in doc["packs"]}["wushan"] == load_pack("wushan").content_hash
    assert r.headers["Medcredit-Version"] == __version__


def test_malformed_json_is_located(server: Server) -> None:
    r = _post(server, "/v1/evaluate", b'{\n  "id": "x",\n  "category": retail\n}', pack="wushan", cycle=2023)
    (problem,) = r.json()["problems"]
    assert (problem["line"], problem["column"]) == (3, 15)


def test_batch_limit(server: Server) -> None:
    subject = {"id": "x", "category": "retail_pharmacy"}
    r = _post(server, "/v1/evaluate", [subject] * (MAX_BATCH + 1), pack="wushan", cycle=2023)
    assert r.status_code == 413 and r.json()["type"].endswith("batch-too-large")
    ok = _post(server, "/v1/evaluate", [subject] * MAX_BATCH, pack="wushan", cycle=2023, trace="none")
    assert ok.status_code == 200 and ok.json()["summary"]["evaluated"] == MAX_BATCH


def _asgi(config: ServiceConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config)), base_url="http://test")


def test_bearer_tokens_are_required_when_configured() -> None:
    token = "s3cret-token-of-32-characters-xx"
    config = ServiceConfig(packs={"wushan": load_pack("wushan")}, tokens=(token,), default_pack="wushan")

    async def calls() -> list[httpx.Response]:
        async with _asgi(config) as client:
            return [
                await client.get("/v1/packs"),
                await client.get("/v1/packs", headers={"Authorization": "Bearer wrong-token-wrong-token"}),
                await client.get("/v1/packs", headers={"Authorization": f"Bearer {token}"}),
                await client.get("/healthz"),
            ]

    none, wrong, right, health = asyncio.run(calls())
    assert none.status_code == wrong.status_code == 401
    assert none.headers["WWW-Authenticate"] == "Bearer" and none.headers["content-type"] == PROBLEM_JSON
    assert right.status_code == 200 and health.status_code == 200


def test_timeout_is_a_504_problem() -> None:
    subjects = [json.loads(line) for line in LINES] * 20
    config = ServiceConfig(packs={"wushan": load_pack("wushan")}, timeout_s=1e-9, default_pack="wushan")

    async def call() -> httpx.Response:
        async with _asgi(config) as client:
            return await client.post("/v1/evaluate", params={"cycle": 2023}, json=subjects)

    r = asyncio.run(call())
    assert r.status_code == 504 and r.headers["content-type"] == PROBLEM_JSON


def test_binding_beyond_loopback_needs_tokens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MEDCREDIT_TOKENS", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "needs bearer tokens" in capsys.readouterr().err


def test_a_port_out_of_range_or_in_use_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "99999"])
    assert exited.value.code == 2
    assert "port 99999 is out of range" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--pack", "wushan", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err


def test_packs_dir_serves_its_packs_and_skips_case_files(tmp_path: Path) -> None:
    """A pack directory laid out as the guides lay it out (pack.yaml beside pack.cases.yaml) starts."""
    from medcredit.serve.config import compile_packs

    example = Path(__file__).resolve().parents[1] / "docs" / "example"
    for name in ("example-county.yaml", "example-county.cases.yaml"):
        (tmp_path / name).write_text((example / name).read_text("utf-8"), "utf-8")
    (tmp_path / "source.txt").write_text((example / "source.txt").read_text("utf-8"), "utf-8")
    packs = compile_packs(None, tmp_path)
    assert list(packs) == [load_pack(tmp_path / "example-county.yaml").id]
    assert sorted(compile_packs(["wushan"], tmp_path)) == sorted([*packs, "wushan"])


def test_openapi_describes_every_operation_with_examples(server: Server) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/evaluate", "/v1/explain", "/v1/compare", "/v1/standing", "/v1/repair", "/v1/deadline"):
        assert "post" in paths[path]
    for path in ("/v1/packs", "/v1/packs/{pack_id}", "/v1/schemas/{which}", "/healthz"):
        assert "get" in paths[path]
    body = paths["/v1/evaluate"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]["one subject"]["value"]["category"] == "outpatient_clinic"
    assert "Subject" in spec["components"]["schemas"]
    assert "application/problem+json" in paths["/v1/evaluate"]["post"]["responses"]["422"]["content"]


ROLLING = Path(__file__).parent / "fixtures" / "capabilities" / "rolling.yaml"


def test_an_as_of_pack_is_evaluated_on_a_date(tmp_path: Path) -> None:
    """/v1/evaluate?as_of=: a rolling pack (capability fixture) over HTTP, and as_of refused for a calendar pack."""
    from serve_server import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medcredit",
            "serve",
            "--port",
            str(port),
            "--pack",
            str(ROLLING),
            "--pack",
            "wushan",
            "--query-log",
            str(tmp_path / "queries.sqlite"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # polls, not a duration
            try:
                if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        subject = {
            "id": "92500237MA00000016",
            "category": "retail_pharmacy",
            "records": [{"kind": "interview", "date": "2024-07-01"}],
        }
        body = json.dumps(subject).encode("utf-8")
        headers = {"content-type": "application/json"}
        r = httpx.post(
            url + "/v1/evaluate",
            params={"pack": "rolling_window", "as_of": "2025-06-30"},
            content=body,
            headers=headers,
            timeout=60,
        )
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["as_of"] == "2025-06-30" and data["cycle"] == 2025
        (result,) = data["results"]
        assert (result["score"], result["window"]) == ("95", {"from": "2024-07-01", "to": "2025-06-30"})
        later = httpx.post(
            url + "/v1/evaluate",
            params={"pack": "rolling_window", "as_of": "2025-07-01"},
            content=body,
            headers=headers,
            timeout=60,
        )
        assert later.json()["results"][0]["score"] == "100"
        refused = httpx.post(
            url + "/v1/evaluate",
            params={"pack": "wushan", "as_of": "2025-06-30"},
            content=body,
            headers=headers,
            timeout=60,
        )
        assert refused.status_code == 422 and "calendar-year" in refused.text
        missing = httpx.post(url + "/v1/evaluate", params={"pack": "wushan"}, content=body, headers=headers, timeout=60)
        assert missing.status_code == 422 and "cycle" in missing.text
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize(
    ("path", "query", "said"),
    [
        ("/v1/evaluate", "pack=wushan&pack=liaoning&cycle=2023", "'pack' is given 2 times"),
        ("/v1/evaluate", "pack=wushan&cycle=2023&cycle=2024", "'cycle' is given 2 times"),
        ("/v1/compare", "pack=wushan&pack=wushan&cycle=2023", "'pack' names 'wushan' 2 times"),
    ],
)
def test_a_parameter_given_twice_is_refused_not_picked(server: Server, path: str, query: str, said: str) -> None:
    r = httpx.post(f"{server.url}{path}?{query}", content=PHARMACY.read_bytes(), timeout=60)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["type"] == "urn:medcredit:problem:invalid-parameters"
    assert said in r.json()["detail"]


def test_list_parameters_may_name_several_values(server: Server) -> None:
    r = httpx.post(
        f"{server.url}/v1/compare?pack=wushan&pack=suixian&cycle=2023", content=PHARMACY.read_bytes(), timeout=60
    )
    assert r.status_code == 200, r.text


def test_compare_keeps_a_subject_that_fails_under_one_pack(tmp_path: Path) -> None:
    fixture = ROOT / "tests" / "fixtures" / "minimal_pack.yaml"
    text = fixture.read_text("utf-8").replace("id: minimal", "id: dividing", 1)
    broken = tmp_path / "dividing.yaml"
    broken.write_text(text.replace("when: inspections == 0", "when: 1 / inspections == 0", 1), "utf-8")
    packs = {"minimal": load_pack(str(fixture)), "dividing": load_pack(str(broken))}
    config = ServiceConfig(packs=packs, default_pack="minimal")
    subject = {"id": "A", "category": "retail_pharmacy", "records": []}

    async def call() -> httpx.Response:
        async with _asgi(config) as client:
            return await client.post("/v1/compare", params={"cycle": 2023}, json=subject)

    r = asyncio.run(call())
    assert r.status_code == 200, r.text
    rows = {row["pack"]: row for row in r.json()["results"]}
    assert rows["minimal"]["status"] == "excluded"
    assert rows["dividing"]["status"] == "failed"
    assert rows["dividing"]["note"].startswith("ExpressionError")
