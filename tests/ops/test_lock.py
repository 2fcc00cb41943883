"""The lock, requirements/lock.txt: what `make venv` and `.ci/run` install.

It must pin, with hashes, every requirement of setup.cfg (the dev extra included) at a
version inside setup.cfg's range, for each supported Python: a range changed without
`make lock` fails here instead of installing something setup.cfg does not allow.
"""

import configparser
import re
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
SUPPORTED_PYTHONS = ["3.11", "3.12", "3.13"]


def setup_cfg_requirements() -> list[Requirement]:
    """install_requires and the dev extra, as written in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = config["options"]["install_requires"].splitlines()
    lines += config["options.extras_require"]["dev"].splitlines()
    return [Requirement(line) for line in (raw.strip() for raw in lines) if line and line[0] != "#"]


def locked_entries() -> list[tuple[str, Version, Marker | None, list[str]]]:
    """(name, version, marker, hashes) of each pin in the lock."""
    text = LOCK.read_text(encoding="utf-8")
    entries = []
    # One pin: "name==version [; marker] \" then its "--hash=sha256:..." lines.
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\n", 1)[0]
        if first.startswith("#"):
            continue
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", first)
        assert match, f"not a pinned line in the lock: {first!r}"
        name, version, marker = match.groups()
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries.append(
            (canonicalize_name(name), Version(version), Marker(marker) if marker else None, hashes)
        )
    return entries


def pins_for(python: str) -> dict[str, Version]:
    """What the lock installs on Linux CPython `python`."""
    environment = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": "x86_64",
    }
    pins: dict[str, Version] = {}
    for name, version, marker, _hashes in locked_entries():
        if marker is None or marker.evaluate(environment):
            assert name not in pins, f"{name} is pinned twice for Python {python}"
            pins[name] = version
    return pins


def test_every_pin_has_hashes():
    entries = locked_entries()
    assert len(entries) > 50
    unhashed = [name for name, _version, _marker, hashes in entries if not hashes]
    assert not unhashed, f"pins without a hash (run `make lock`): {unhashed}"


@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_the_lock_satisfies_setup_cfg(python):
    pins = pins_for(python)
    for requirement in setup_cfg_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock for Python {python}: `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"the lock pins {name}=={pins[name]}, outside setup.cfg's {requirement}: `make lock`"
        )
    # The extras setup.cfg asks for: psycopg[binary], Flask-Limiter[redis].
    assert "psycopg-binary" in pins
    assert "redis" in pins


def test_make_venv_installs_from_the_lock_and_the_project_without_dependencies():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "LOCK := requirements/lock.txt" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^lock:", makefile, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in ci
    assert "make venv" in ci
