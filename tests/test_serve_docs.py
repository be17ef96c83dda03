"""The service reference page is generated from the OpenAPI document and must not drift (docs)."""

from __future__ import annotations

from pathlib import Path

from medcredit.serve.docs import openapi_spec, service_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_service_page_is_up_to_date() -> None:
    """Regenerate with `medcredit docs docs` after changing the service."""
    page = (ROOT / "docs" / "reference" / "service.md").read_text(encoding="utf-8")
    assert page == service_markdown()


def test_every_error_is_documented_as_a_problem_document() -> None:
    for item in openapi_spec()["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (op["summary"], status)
