"""Bad input on the web: ids and page numbers no row can have are 404, malformed API bodies
are 400 naming the field, links never follow the Host header, and generated requests from
the served OpenAPI description (schemathesis) never get a 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from followup.db.models import User
from followup.db.users import issue_api_token
from tests.test_web_helpers import *  # noqa: F401,F403  (fixtures)
from tests.test_web_helpers import PASSWORD, db

HUGE = str(2**64)


def bearer(rt, user_id) -> dict:
    with db(rt) as session:
        token = issue_api_token(session.get(User, user_id))
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_ids_and_pages_beyond_64_bits_are_not_found(client, web_rt, rep):
    client.login("rep@example.com", PASSWORD)
    for url in (f"/threads/{HUGE}", f"/tasks/{HUGE}", f"/accounts/{HUGE}", f"/?page={HUGE}",
                f"/?account={HUGE}", f"/complaints/{HUGE}/assign"):
        method = client.post if url.endswith("/assign") else client.get
        assert method(url).status_code == 404, url
    response = client.client.get(f"/api/v1/tasks/{HUGE}", headers=bearer(web_rt, rep["user"].id))
    assert response.status_code == 404 and response.json["error"] == "not found"


def test_a_complaint_handed_to_an_assignee_beyond_64_bits_is_refused(client, web_rt):
    from tests.test_web_complaints import _team

    _lead, member, _other, _outsider, tasks = _team(web_rt)
    client.login("lead@example.com")
    client.get("/complaints/")
    complaint = tasks["Broken table"]
    assert client.post(f"/complaints/{complaint.id}/assign", {"assignee_id": HUGE}).status_code in (400, 404)
    assert client.post(f"/complaints/{complaint.id}/assign", {"assignee_id": member.id}).status_code == 302


@pytest.mark.parametrize("body", [{"status": ["done"]}, {"status": {"done": 1}}, {}])
def test_a_malformed_task_update_is_400_naming_the_field(client, web_rt, rep, body):
    response = client.client.patch(f"/api/v1/tasks/{rep['task'].id}", json=body,
                                   headers=bearer(web_rt, rep["user"].id))
    assert response.status_code == 400
    assert response.json["error"] == "bad_request" and response.json["message"].startswith("status ")


def test_task_links_come_from_the_base_url_not_the_host_header(client, web_rt, rep):
    response = client.client.get(f"/api/v1/tasks/{rep['task'].id}", headers={
        **bearer(web_rt, rep["user"].id), "Host": "evil.example"})
    assert response.json["url"] == f"{web_rt.settings.base_url}/threads/{rep['thread'].id}"


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


def test_numbers_in_other_scripts_or_of_thousands_of_digits_in_a_query_are_not_a_server_error(client, rep):
    client.login("rep@example.com", PASSWORD)
    for value in ("²", "١٠", "9" * 5000):
        for name in ("page", "account"):
            assert client.get(f"/?{name}={value}").status_code in (200, 404), (name, value[:5])
