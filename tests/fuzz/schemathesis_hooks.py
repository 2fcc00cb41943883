"""Schemathesis hooks for tests/fuzz/test_schemathesis.py (loaded by the CLI run, which
runs in a folder holding `fuzz-context.json`: the server's URL, the token, the call log).

A real client sends a fresh `Idempotency-Key` with each new request, and the same one
only to retry the same request. Generated keys repeat ("0", "A"...) with different
bodies, which the API rightly refuses (422): each request gets a key of its own instead.

A real client edits a recurring series that is still running. An edit may end one (an
`end_date` before the next occurrence); every later edit of it is then rightly refused
(409), whatever its data: an edit of an ended series goes to a new running one instead.

A real client ends a series before adding one to a group that holds the most it may: the
run's own POSTs fill the places, and every later POST would rightly be refused (409).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import schemathesis

from expense_tracker.models.recurring import MAX_SERIES_PER_GROUP

CONTEXT: dict[str, str] = json.loads(Path("fuzz-context.json").read_text())


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = uuid.uuid4().hex
        elif name.lower() == "if-match" and _mode(case) == "positive":
            # A client sends the ETag it read; any other tag is rightly refused with 412,
            # which says nothing about the request's data (the unit tests try stale tags).
            etag = _current_etag(case.formatted_path)
            if etag is not None:
                headers[name] = etag
    if case.method.upper() == "POST" and GROUP_SERIES.fullmatch(case.formatted_path):
        _make_room_for_a_series(case.formatted_path.rstrip("/") + "/")
    if case.method.upper() == "PATCH" and _mode(case) == "positive":
        match = SERIES_PATH.fullmatch(case.formatted_path)
        if match is not None and _series_ended(case.formatted_path):
            case.path_parameters["series_id"] = _new_series(match["collection"])


# A recurring series, group or personal; the collection it was created in.
GROUP_SERIES = re.compile(r"/groups/[0-9]+/recurring-expenses/?")
SERIES_PATH = re.compile(r"(?P<collection>(/groups/[0-9]+)?/recurring-expenses/)[0-9]+")
SERIES_TEMPLATES = {
    "group": {"description": "Rent", "amount": "900.00", "split_type": "equal"},
    "personal": {"amount": "9.99", "category": "Music", "payment_method": "cash"},
}


def _series_ended(path: str) -> bool:
    response = _api("GET", path)
    return response.status_code == 200 and response.json()["status"] == "ended"


def _new_series(collection: str) -> int:
    """A new running series in `collection` (as test_schemathesis.py seeds them)."""
    start = datetime.now(UTC).date() + timedelta(days=200)
    template = SERIES_TEMPLATES["group" if collection.startswith("/groups/") else "personal"]
    body = {"template": template, "rule": {"frequency": "monthly", "start_date": str(start)}}
    if collection.startswith("/groups/"):
        _make_room_for_a_series(collection)
    response = _api("POST", collection, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _make_room_for_a_series(collection: str) -> None:
    """End the newest live series of a group at its limit, as a real client would before
    adding one (the run's own POSTs fill the places; the seeded series are the oldest)."""
    live = [series for series in _api("GET", collection).json() if series["status"] != "ended"]
    if len(live) >= MAX_SERIES_PER_GROUP:
        newest = max(series["id"] for series in live)
        ended = _api("DELETE", f"{collection}{newest}")
        assert ended.status_code == 204, ended.text


def _api(method: str, path: str, **kwargs: Any) -> requests.Response:
    """A call to the API as the run's user (not one of the run's cases)."""
    return requests.request(
        method,
        CONTEXT["base_url"] + path,
        headers={"Authorization": f"Bearer {CONTEXT['token']}"},
        timeout=30,
        **kwargs,
    )


def _mode(case: Any) -> str:
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", "")
    return str(getattr(mode, "value", mode))


def _current_etag(path: str) -> str | None:
    """The ETag a GET of the resource answers now (None when there is none)."""
    resource = re.sub(r"/(splits/[0-9]+|invite-code)$", "", path)
    response = _api("GET", resource)
    return response.headers.get("ETag") if response.status_code == 200 else None


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """One line per call in the call log (the test shows the server errors from it)."""
    mode = _mode(case)
    phase = getattr(getattr(getattr(case, "meta", None), "phase", None), "name", "")
    line = f"{phase} {mode} {case.method} {case.formatted_path} {response.status_code} "
    line += response.content[:300].decode(errors="replace").replace("\n", " ")
    if response.status_code >= 400:
        line += f" <- {case.body!r:.400}"
    with open(CONTEXT["call_log"], "a", encoding="utf-8") as out:
        out.write(line + "\n")
