"""Schemathesis over the running service's /openapi.json: no 5xx, every response matches the spec (serve).

Bounded: a fixed number of generated examples per operation (not a time budget), schema-valid
data only, derandomised so a failure repeats.  schemathesis is imported when this test runs, not
when the suite is collected, so that its hypothesis set-up cannot reach the other tests.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from serve_server import Server

if TYPE_CHECKING:
    import schemathesis

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def api(server: Server) -> schemathesis.BaseSchema:
    import schemathesis

    spec = httpx.get(server.url + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    schema.config.update(base_url=server.url)
    return schema


def test_api_conforms_to_its_openapi(api: schemathesis.BaseSchema, capsys: pytest.CaptureFixture[str]) -> None:
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks: list[Any] = [not_a_server_error, status_code_conformance, content_type_conformance]
    checks.append(response_schema_conformance)
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 10

    for operation in operations:

        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call_and_validate(checks=checks, timeout=60)
            statuses[response.status_code] += 1

        call()
    with capsys.disabled():
        total = sum(statuses.values())
        print(f"\nschemathesis: {len(operations)} operations, {total} calls, statuses {dict(sorted(statuses.items()))}")
    assert not any(status >= 500 for status in statuses)
    assert statuses[200] > 0
