"""Generated requests from the served OpenAPI description (schemathesis, over real HTTP)
never get a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.web_client import bearer

HUGE = str(2**64)


def test_generated_api_requests_never_get_a_server_error(served, web_rt, rep):
    schema = schemathesis.openapi.from_url(f"{served}/api/v1/openapi.yaml")
    headers = bearer(web_rt, rep["user"].id)
    errors = []

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema.as_strategy(mode))
        def call(case):
            response = case.call(base_url=f"{served}/api/v1", headers=headers)
            if response.status_code >= 500:
                errors.append(f"{case.method} {response.request.url} {case.body!r}: {response.status_code}")

        call()
    assert errors == []
