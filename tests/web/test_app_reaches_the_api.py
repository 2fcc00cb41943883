"""Every operation of the API that a person would use is reachable from the web app.

Read from the app's own code: each call it makes through js/api.js (`api.get`, `api.post`,
`api.create`, `api.patch`, `api.remove`, `api.request("METHOD", ...)`) with its path, a
template literal whose `${...}` parts are ids. A path held in a variable (`const path =
...`, or a `path:` handed to a component) is followed within the app's files. A new
operation in the OpenAPI document with no screen fails here until the app calls it or the
list below says why a person never needs it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from expense_tracker.web import STATIC_FOLDER

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"

# What no screen calls, and why.
NOT_FOR_PEOPLE = {
    ("GET", "/healthz"): "the load balancer's liveness probe",
    ("GET", "/readyz"): "the load balancer's readiness probe",
    # A list of the resource that holds each item whole serves the screens instead.
    ("GET", "/groups/{}/expenses/{}/comments/{}"): "the expense's comments list",
    ("GET", "/groups/{}/members/{}"): "the group's members list",
    ("GET", "/groups/{}/settlements/{}"): "the group's payments list",
    ("GET", "/recurring-expenses/{}"): "the recurring bills list",
}

METHODS = {"get": "GET", "post": "POST", "create": "POST", "patch": "PATCH", "remove": "DELETE"}
LITERAL = r"(`[^`]*`|\"[^\"]*\")"
CALL = re.compile(
    r"api\s*\.(?:(get|post|create|patch|remove)\(\s*|request\(\s*\"([A-Z]+)\",\s*)"
    r"(" + LITERAL[1:-1] + r"|[A-Za-z_$][\w$.]*)"
)
DEFINITION = re.compile(r"\b(?:const|let)\s+(\w+)\s*=\s*" + LITERAL + r"|\b(\w+):\s*" + LITERAL)
# A call through a function of the app that passes its path on to api.* (receipts.js's
# fetchReceipt(path) is api.get(path)), and session.js's own POSTs to /token/*.
WRAPPER = re.compile(r"function\s+(\w+)\((\w+)[^)]*\)\s*\{[^}]*?api\.(get|remove)\(\s*\2\b")
TOKEN_REQUEST = re.compile(r"\btokenRequest\(\s*" + LITERAL)


def template(text: str) -> str:
    """A path as the app writes it, with each `${...}` as {} and no query string."""
    return re.sub(r"\$\{[^}]+\}", "{}", text.strip('`"')).split("?")[0]


def app_calls() -> set[tuple[str, str]]:
    sources = [path.read_text() for path in Path(STATIC_FOLDER, "js").rglob("*.js")]
    # A component's `path:` argument, from whichever file hands it over.
    handed_over: dict[str, set[str]] = {}
    for source in sources:
        for match in DEFINITION.finditer(source):
            if match.group(3):
                handed_over.setdefault(match.group(3), set()).add(match.group(4))
    wrappers = {
        match.group(1): METHODS[match.group(3)]
        for source in sources
        for match in WRAPPER.finditer(source)
    }
    calls: set[tuple[str, str]] = set()
    for source in sources:
        local: dict[str, set[str]] = {}
        for match in DEFINITION.finditer(source):
            name, value = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
            local.setdefault(name, set()).add(value)

        def values(name: str, local: dict[str, set[str]] = local) -> set[str]:
            # The file's own variable, else what other files hand over as that argument.
            return local.get(name) or handed_over.get(name, set())

        def resolve(argument: str) -> set[str]:
            """The paths an argument may be: a literal, or a variable of one."""
            if argument[0] not in '`"':
                return {path for value in values(argument) for path in resolve(value)}
            head = re.match(r"`\$\{(\w+)\}", argument)
            if head and values(head.group(1)):
                rest = template(argument[head.end() :])
                return {template(value) + rest for value in values(head.group(1))}
            return {template(argument)}

        for match in CALL.finditer(source):
            method = METHODS[match.group(1)] if match.group(1) else match.group(2)
            calls |= {(method, path) for path in resolve(match.group(3))}
        for name, method in wrappers.items():
            for match in re.finditer(rf"\b{name}\(\s*" + LITERAL, source):
                calls |= {(method, path) for path in resolve(match.group(1))}
        calls |= {("POST", template(match.group(1))) for match in TOKEN_REQUEST.finditer(source)}
    return calls


def operations() -> set[tuple[str, str]]:
    paths = json.loads(OPENAPI.read_text())["paths"]
    return {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, item in paths.items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_operation_a_person_uses_has_a_screen():
    calls = {(method, path.rstrip("/")) for method, path in app_calls()}
    missing = sorted(
        (method, path)
        for method, path in operations() - NOT_FOR_PEOPLE.keys()
        if (method, path.rstrip("/")) not in calls
    )
    assert missing == [], f"operations no screen of the app calls: {missing}"


def test_the_list_of_operations_without_a_screen_is_current():
    # An entry for an operation that is gone, or that the app now calls, is a stale excuse.
    calls = {(method, path.rstrip("/")) for method, path in app_calls()}
    assert NOT_FOR_PEOPLE.keys() <= operations()
    assert not {(m, p) for m, p in NOT_FOR_PEOPLE if (m, p.rstrip("/")) in calls}


def test_the_reader_finds_calls_written_each_way():
    # The reader itself, on the shapes the app uses: a literal, a variable, a component's
    # `path:`, a `${path}/...` built on one, api.request with its method.
    found = app_calls()
    assert ("GET", "/expenses/summary") in found  # api.get("/expenses/summary", ...)
    assert ("PATCH", "/groups/{}/expenses/{}") in found  # a template literal
    assert ("DELETE", "/groups/{}/expenses/{}/comments/{}") in found  # `${path}/${id}`
    assert ("GET", "/expenses/{}/receipts/{}") in found  # through fetchReceipt(path)
