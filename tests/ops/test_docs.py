"""The documentation stands on its own and stays current.

- docs/api-reference.md is exactly what scripts/openapi-reference makes of docs/openapi.json
  (`make openapi` refreshes both);
- every relative link in README.md, deploy/README.md and docs/*.md leads to a file of the
  project, and no file of the project points at notes outside it;
- every environment variable the code reads is in the README's configuration table;
- the app serves the guide and the reference beside the interactive docs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

from tests.problems import assert_problem

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REFERENCE_SCRIPT = ROOT / "scripts" / "openapi-reference"
LINKED_DOCUMENTS = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted(DOCS.glob("*.md"))]
# Written in two parts so that this file does not mention it.
OUTSIDE_NOTES = "../" + "shared"
SKIPPED_FOLDERS = {"__pycache__", "instance", "build", "dist", "node_modules"}

MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HTML_LINK = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"", re.IGNORECASE)
FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def load_reference_script() -> ModuleType:
    """scripts/openapi-reference, imported (it has no .py suffix: it is a command)."""
    loader = SourceFileLoader("openapi_reference", str(REFERENCE_SCRIPT))
    spec = spec_from_loader("openapi_reference", loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_api_reference_is_current_with_the_openapi_snapshot():
    script = load_reference_script()
    expected = script.render(json.loads((DOCS / "openapi.json").read_text(encoding="utf-8")))
    current = (DOCS / "api-reference.md").read_text(encoding="utf-8")
    assert current == expected, (
        "docs/api-reference.md is out of date with docs/openapi.json: run "
        "`.venv/bin/python scripts/openapi-reference` (or `make openapi`)"
    )


def test_api_reference_covers_every_operation_and_schema():
    spec = json.loads((DOCS / "openapi.json").read_text(encoding="utf-8"))
    reference = (DOCS / "api-reference.md").read_text(encoding="utf-8")
    for path, item in spec["paths"].items():
        for method in item:
            if method != "parameters":
                assert f"### `{method.upper()} {path}`" in reference
    for name in spec["components"]["schemas"]:
        assert f"\n### {name}\n" in reference


def link_targets(markdown: str) -> Iterator[str]:
    """The targets of the Markdown and HTML links of a document, outside code."""
    text = INLINE_CODE.sub("", FENCED_BLOCK.sub("", markdown))
    for pattern in (MARKDOWN_LINK, REFERENCE_LINK, HTML_LINK):
        for match in pattern.finditer(text):
            yield match.group(1)


def local_file(document: Path, target: str) -> Path | None:
    """The file a link leads to, or None for links to the web and to anchors."""
    if SCHEME.match(target) or target.startswith(("#", "//")):
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    if path.startswith("/"):  # GitHub reads these from the repository's root
        return ROOT / path.lstrip("/")
    return document.parent / path


def test_link_extraction_skips_code_and_web_links():
    markdown = (
        "See [the guide](docs/api-guide.md#money) and [web](https://example.com).\n"
        "`[not](a-link.md)`\n```sh\necho '[no](link.md)'\n```\n[ref]: deploy/README.md\n"
    )
    targets = list(link_targets(markdown))
    assert targets == ["docs/api-guide.md#money", "https://example.com", "deploy/README.md"]
    assert local_file(ROOT / "README.md", "https://example.com") is None
    assert local_file(ROOT / "README.md", "#configuration") is None
    assert local_file(ROOT / "README.md", "docs/api-guide.md#money") == DOCS / "api-guide.md"


@pytest.mark.parametrize("document", LINKED_DOCUMENTS, ids=lambda path: path.name)
def test_relative_links_lead_to_files(document: Path):
    broken = []
    for target in link_targets(document.read_text(encoding="utf-8")):
        path = local_file(document, target)
        if path is None:
            continue
        resolved = path.resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links to missing files: {broken}"


def project_text_files() -> Iterator[Path]:
    """Every text file of the project: not the virtualenv, caches or build output."""
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if (not name.startswith(".") or name == ".ci")
            and name not in SKIPPED_FOLDERS
            and not name.endswith(".egg-info")
        )
        for name in sorted(files):
            path = Path(folder) / name
            if path.stat().st_size > 2_000_000:
                continue
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            yield path


def test_nothing_points_outside_the_project():
    mentions = [
        str(path.relative_to(ROOT))
        for path in project_text_files()
        if OUTSIDE_NOTES in path.read_text(encoding="utf-8")
    ]
    assert not mentions, f"these files mention {OUTSIDE_NOTES}, which users never have"


# -- configuration --------------------------------------------------------------------------

PYTHON_READS = [
    re.compile(r"\benv_\w+\(\s*\"([A-Z][A-Z0-9_]*)\""),
    re.compile(r"\bos\.(?:environ\.get|getenv)\(\s*\"([A-Z][A-Z0-9_]*)\""),
    re.compile(r"\bos\.environ\[\s*\"([A-Z][A-Z0-9_]*)\"\s*\](?!\s*=[^=])"),
]
# Shell and make: `${NAME:-default}` (`$${...}` in a Makefile recipe) reads the environment.
SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*):?[-=?+]")
MAKE_VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*\?=", re.MULTILINE)


def python_sources() -> Iterator[Path]:
    yield from (ROOT / name for name in ("config.py", "gunicorn.conf.py", "wsgi.py"))
    for folder in ("expense_tracker", "migrations", "tests", "bench", "deploy"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield REFERENCE_SCRIPT


def variables_read() -> dict[str, str]:
    """Every environment variable the project reads, with a file that reads it."""
    found: dict[str, str] = {}
    for path in python_sources():
        text = path.read_text(encoding="utf-8")
        for pattern in PYTHON_READS:
            for name in pattern.findall(text):
                found.setdefault(name, str(path.relative_to(ROOT)))
    shell_files = [ROOT / ".ci" / "run", ROOT / "Makefile", *sorted((ROOT / "scripts").iterdir())]
    for path in shell_files:
        if path.is_file() and path != REFERENCE_SCRIPT:
            text = path.read_text(encoding="utf-8")
            for name in SHELL_READ.findall(text):
                found.setdefault(name, str(path.relative_to(ROOT)))
    for name in MAKE_VARIABLE.findall((ROOT / "Makefile").read_text(encoding="utf-8")):
        found.setdefault(name, "Makefile")
    return found


def documented_variables() -> set[str]:
    """The variables named in the first column of the README's configuration table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no `## Configuration` section"
    names: set[str] = set()
    for line in section.group(1).splitlines():
        if line.startswith("|"):
            first_column = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_column))
    return names


def test_every_environment_variable_is_in_the_readme_table():
    read = variables_read()
    # The ones the brief named as missing before, so the scan cannot silently miss them.
    assert {"FORWARDED_ALLOW_IPS", "GUNICORN_CONTROL_SOCKET", "OPENAPI_SWAGGER_UI_URL"} <= set(read)
    missing = {name: where for name, where in read.items() if name not in documented_variables()}
    assert not missing, f"add these to the configuration table in README.md: {missing}"


def test_the_deploy_guide_points_to_the_table_instead_of_repeating_it():
    guide = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert "../README.md#configuration" in guide
    table_rows = [line for line in guide.splitlines() if re.match(r"\|\s*`[A-Z][A-Z0-9_]*`", line)]
    assert not table_rows, f"deploy/README.md repeats configuration rows: {table_rows}"


# -- served with the interactive docs -------------------------------------------------------


def test_the_guide_and_reference_are_served_beside_the_interactive_docs(client):
    guide = client.get("/docs/api-guide.md")
    assert guide.status_code == 200
    assert guide.mimetype == "text/plain"
    assert guide.mimetype_params == {"charset": "utf-8"}
    assert guide.get_data(as_text=True) == (DOCS / "api-guide.md").read_text(encoding="utf-8")
    reference = client.get("/docs/api-reference.md", headers={"Accept": "text/markdown"})
    assert reference.mimetype == "text/markdown"
    assert reference.get_data(as_text=True).startswith("# API reference")
    short = client.get("/docs/guide")
    assert short.status_code == 302
    assert short.headers["Location"].endswith("/docs/api-guide.md")
    assert_problem(client.get("/docs/openapi.json"), 404, "not-found")
    assert_problem(client.get("/docs/../README.md"), 404, "not-found")


def shell_lines(document: Path) -> list[str]:
    """The lines of a document's `sh` code blocks."""
    lines, inside = [], False
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if inside:
            lines.append(line)
    return lines


@pytest.mark.parametrize("document", [ROOT / "README.md", ROOT / "deploy" / "README.md"])
def test_operator_commands_run_the_virtualenvs_flask_with_the_app_named(document: Path):
    """A plain `flask` is whatever else is on PATH, and without FLASK_APP it finds no app."""
    for line in shell_lines(document):
        for command in re.findall(r"(?:^|&&|;|\s)(\S*flask) ", line):
            if command in ("flask", ".venv/bin/flask") or command.endswith("/.venv/bin/flask"):
                assert command != "flask", f"{document.name}: {line.strip()}"
                assert "FLASK_APP=wsgi:app" in line, f"{document.name}: {line.strip()}"


def test_the_documented_sample_rate_table_is_the_tests_sample():
    shipped = ROOT / "docs" / "examples" / "eurofxref-hist-sample.csv"
    assert (
        shipped.read_bytes()
        == (ROOT / "tests" / "currencies" / "eurofxref-hist-sample.csv").read_bytes()
    )
    assert "docs/examples/eurofxref-hist-sample.csv" in (DOCS / "api-guide.md").read_text(
        encoding="utf-8"
    )
    assert "docs/examples/eurofxref-hist-sample.csv" in (ROOT / "deploy" / "README.md").read_text(
        encoding="utf-8"
    )
