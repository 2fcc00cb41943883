"""The contract's general rules, which every endpoint gets from shared mechanisms."""

from __future__ import annotations

import secrets

import pytest

from config import ConfigurationError
from expense_tracker import create_app
from tests.problems import assert_problem


def test_malformed_json_is_400_problem(client):
    response = client.post("/users/", data="{not json", content_type="application/json")
    assert_problem(response, 400, "malformed-request")


def test_nan_literal_is_malformed_json(client):
    response = client.post("/users/", data='{"email": NaN}', content_type="application/json")
    assert_problem(response, 400, "malformed-request")


def test_wrong_content_type_is_415(client):
    response = client.post("/users/", data="email=a", content_type="text/plain")
    assert_problem(response, 415, "unsupported-media-type")


def test_body_over_the_limit_is_413(client):
    big = '{"full_name": "' + "x" * (1024 * 1024) + '"}'
    response = client.post("/users/", data=big, content_type="application/json")
    assert_problem(response, 413, "payload-too-large")


def test_unknown_path_is_404_problem(client):
    response = client.get("/nothing-here")
    assert_problem(response, 404, "not-found")


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/users/me", json={})
    assert_problem(response, 405, "method-not-allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "PATCH", "DELETE"} <= allowed


def test_every_response_carries_nosniff(client):
    for path in ("/healthz", "/nothing", "/openapi.json"):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_cors_exposes_the_contract_headers():
    app = create_app("testing", {"CORS_ORIGINS": ["https://app.example.com"]})
    response = app.test_client().get("/healthz", headers={"Origin": "https://app.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"X-Total-Count", "Link", "Location", "ETag", "Retry-After", "X-Request-ID"} <= exposed


def test_cors_ignores_origins_not_configured():
    app = create_app("testing", {"CORS_ORIGINS": ["https://app.example.com"]})
    response = app.test_client().get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_unexpected_errors_leak_nothing():
    app = create_app("testing")

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail SELECT * FROM users")

    response = app.test_client().get("/boom-for-test")
    assert_problem(response, 500, "internal-error")
    assert "secret" not in response.get_data(as_text=True)


JWT_SECRET = "Zt7pQ2vX9mKc4LwR8bNf3HsJ6yDg1AeU0oIq5TrE-jwt"  # fixed: xdist needs stable ids


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("", "not set"),
        ("short", "shorter"),
        ("changeme", "known default"),
        ("a" * 40, "repetitive"),
        ("changeme" * 5, "repetitive"),
        (JWT_SECRET, "different"),
    ],
)
def test_production_refuses_unsafe_secrets(secret, reason):
    with pytest.raises(ConfigurationError, match=reason):
        create_app("production", {"SECRET_KEY": secret, "JWT_SECRET_KEY": JWT_SECRET})


def test_production_starts_with_strong_secrets():
    app = create_app(
        "production",
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": JWT_SECRET,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        },
    )
    assert not app.debug


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_readiness_is_503_when_the_database_does_not_answer():
    # A port where nothing listens: a throwaway, never the shared server.
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none"},
    )
    response = app.test_client().get("/readyz")
    assert_problem(response, 503, "service-unavailable")
    assert app.test_client().get("/healthz").status_code == 200


def test_openapi_document_and_docs(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/users/me" in spec["paths"]
    problem = spec["components"]["responses"]["UNAUTHORIZED"]["content"]
    assert "application/problem+json" in problem
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in docs.get_data(as_text=True)
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert asset.mimetype in {"text/javascript", "application/javascript"}
    asset.close()


def test_every_operation_documents_problem_responses(client):
    spec = client.get("/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert errors, f"{method.upper()} {path} documents no error response"


def test_ids_too_large_for_any_database_are_404_not_500(client, user):
    huge = 10**20
    for path in (f"/expenses/{huge}", f"/groups/{huge}", f"/groups/1/expenses/{huge}"):
        response = client.get(path, headers=user.headers)
        assert_problem(response, 404, "not-found")
    response = client.get(f"/expenses/?skip={2**63}", headers=user.headers)
    assert_problem(response, 422, "validation-error")


def test_lone_surrogates_in_json_are_malformed(client, user):
    response = client.post(
        "/expenses/",
        data='{"amount": "1", "category": "\\ud800", "payment_method": "cash"}',
        content_type="application/json",
        headers=user.headers,
    )
    assert_problem(response, 400, "malformed-request")
    paired = client.post(
        "/expenses/",
        data='{"amount": "1", "category": "\\ud83d\\ude00", "payment_method": "cash"}',
        content_type="application/json",
        headers=user.headers,
    )
    assert paired.status_code == 201
    assert paired.get_json()["category"] == "\U0001f600"


def test_the_bearer_scheme_is_case_insensitive(client, user):
    response = client.get("/users/me", headers={"Authorization": f"bearer {user.access_token}"})
    assert response.status_code == 200


def test_missing_token_is_401_before_the_body_is_judged(client):
    response = client.post("/expenses/", data="x", content_type="text/plain")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_no_content_answers_carry_no_content_type(client, user):
    response = client.post("/token/revoke", headers=user.headers)
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.get_data() == b""


@pytest.mark.parametrize(
    "body",
    ["[" * 5000 + "]" * 5000, "[" * 33 + "]" * 33, '{"email": ' + "1" * 5000 + "}"],
    ids=["deep-nesting", "beyond-the-depth-limit", "huge-integer"],
)
def test_unreadable_json_is_400_even_with_an_idempotency_key(client, body):
    for headers in ({}, {"Idempotency-Key": "k1"}):
        response = client.post(
            "/users/", data=body, content_type="application/json", headers=headers
        )
        assert_problem(response, 400, "malformed-request")


def test_openapi_document_is_valid_and_documents_the_general_rules(client):
    import json
    import re

    from openapi_spec_validator import validate

    spec = client.get("/openapi.json").get_json()
    validate(spec)
    text = json.dumps(spec)
    for kind, name in set(re.findall(r'"#/components/(\w+)/(\w+)"', text)):
        assert name in spec["components"][kind], f"dangling reference to {kind}/{name}"
    paths = spec["paths"]

    def parameter_names(operation):
        refs = [p["$ref"].rsplit("/", 1)[-1] for p in operation.get("parameters", [])]
        return {spec["components"]["parameters"][ref]["name"] for ref in refs if ref}

    assert "Idempotency-Key" in parameter_names(paths["/expenses/"]["post"])
    assert "Idempotency-Key" not in parameter_names(paths["/token"]["post"])
    assert "If-Match" in parameter_names(paths["/groups/{group_id}/expenses/{expense_id}"]["patch"])
    listed = paths["/expenses/"]["get"]["responses"]["200"]["headers"]
    assert {"X-Total-Count", "Link"} <= set(listed)
    created = paths["/groups/"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag"} <= set(created)
    assert "409" in paths["/groups/{group_id}/settlements"]["post"]["responses"]
    too_many = spec["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert "Retry-After" in too_many["headers"]
    amount_in = spec["components"]["schemas"]["ExpenseCreate"]["properties"]["amount"]
    as_text, as_number = amount_in["oneOf"]
    assert as_text["type"] == "string"
    assert re.fullmatch(as_text["pattern"], "12.50")
    assert not re.fullmatch(as_text["pattern"], "0")
    assert (as_number["type"], as_number["maximum"]) == ("number", 999999999.99)
    amount_out = spec["components"]["schemas"]["Expense"]["properties"]["amount"]
    assert amount_out["type"] == "string"


def test_the_committed_openapi_snapshot_is_current(client):
    """docs/openapi.json shows API changes in review diffs; `make openapi` refreshes it."""
    import json
    from pathlib import Path

    snapshot = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    served = client.get("/openapi.json").get_json()
    assert json.loads(snapshot.read_text()) == served, "run `make openapi` and commit the result"


def test_the_production_entry_point_refuses_unsafe_settings_in_one_line():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # Empty, not absent: a developer's .env must not fill them in (it never overrides).
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "", "JWT_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3  # gunicorn's "worker failed to boot": the master stops
    assert result.stderr.strip() == (
        "expense_tracker: cannot start: SECRET_KEY is not set; production needs a random secret"
    )
