"""The OpenAPI document is whole and the same on every supported Python.

Every `$ref` in the served document resolves (a generated client or schemathesis stops at
the first that does not), and `flask openapi write` writes exactly the committed snapshot's
bytes, whichever Python (3.11 to 3.13) runs it: `.ci/run` runs these on the oldest too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def references(node: Any) -> list[str]:
    """Every `$ref` value anywhere in a JSON document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The node a local JSON pointer (`#/components/...`, RFC 6901) points at."""
    assert ref.startswith("#/"), f"not a local reference: {ref}"
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"dangling reference: {ref}"
        assert token in node, f"dangling reference: {ref}"
        node = node[token]
    return node


def test_every_reference_in_the_served_document_resolves(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    refs = references(document)
    assert len(refs) > 100
    for ref in sorted(set(refs)):
        resolve(document, ref)


def test_validation_errors_are_documented_under_one_name_on_every_python(
    client: FlaskClient,
) -> None:
    # Python 3.11 and 3.12 call 422 UNPROCESSABLE_ENTITY, 3.13 UNPROCESSABLE_CONTENT: the
    # document uses RFC 9110's name throughout, whatever the Python.
    document = client.get("/openapi.json").get_json()
    statuses = {
        ref.rsplit("/", 1)[-1]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)  # not the path's own `parameters`
        for status, response in operation.get("responses", {}).items()
        if status == "422"
        for ref in references(response)
    }
    assert statuses == {"UNPROCESSABLE_CONTENT"}


def test_openapi_write_produces_the_snapshot_byte_for_byte(app: Flask, tmp_path: Path) -> None:
    written = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(args=["openapi", "write", str(written)])
    assert result.exit_code == 0, result.output
    assert written.read_bytes() == SNAPSHOT.read_bytes(), "run `make openapi` and commit it"


def patterns(node: Any) -> list[str]:
    """Every `pattern` of a schema anywhere in a JSON document."""
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [pattern for value in node.values() for pattern in patterns(value)]
    if isinstance(node, list):
        return [pattern for value in node for pattern in patterns(value)]
    return []


def test_every_pattern_is_one_the_tools_that_read_the_document_accept(
    client: FlaskClient,
) -> None:
    # Python's `re` (Hypothesis) and the Rust engine of jsonschema-rs (schemathesis), which
    # refuses what ECMA-262 has no `\u` escape for (a surrogate, a character beyond FFFF).
    import re

    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    document = client.get("/openapi.json").get_json()
    found = sorted(set(patterns(document)))
    assert found
    for pattern in found:
        re.compile(pattern)
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
