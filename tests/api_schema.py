"""The API's description (web/openapi.yaml) and checking a real response against it."""

from __future__ import annotations

from datetime import datetime

import jsonschema
from openapi_spec_validator import validate as validate_spec
import yaml

from tests.paths import REPO_ROOT

SPEC_PATH = REPO_ROOT / "web" / "openapi.yaml"


def load_spec() -> dict:
    """web/openapi.yaml, itself checked against the OpenAPI standard."""
    document = yaml.safe_load(SPEC_PATH.read_text())
    validate_spec(document)
    return document


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check(spec: dict, response, path: str, method: str) -> dict:
    """Validate a real response against the spec's schema for (path, method, status)."""
    operation = spec["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method.upper()} {path} answered {status}, not in the spec"
    answer = operation["responses"][status]
    ref = answer.get("$ref")
    if ref:
        schema_ref = ref + "/content/application~1json/schema"
    else:
        schema_ref = _pointer("paths", path, method, "responses", status, "content", "application/json", "schema")
    assert response.mimetype == "application/json"
    body = response.get_json()
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _is_datetime(value):
        return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    jsonschema.Draft202012Validator({**spec, "$ref": schema_ref}, format_checker=checker).validate(body)
    return body
