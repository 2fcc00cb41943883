"""What makes the web app installable and usable offline, on the server's side: the service
worker script, with the version of the app's files written into it.

The browser installs a new service worker whenever the bytes of its script change, so the
script carries a hash of every file it precaches: change any file of the app and the next
visit installs the whole new set (service_worker.js explains how it swaps them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SERVICE_WORKER_TEMPLATE = Path(__file__).parent / "service_worker.js"
SERVICE_WORKER_PATH = "sw.js"
# Served as application/manifest+json (nginx's types block says the same).
MANIFEST_SUFFIX = ".webmanifest"
MANIFEST_TYPE = "application/manifest+json"


def shell_files(folder: Path, prefix: str = "/app/") -> list[str]:
    """The URLs of every file the app may load, index.html as the app's own address."""
    urls = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(folder).as_posix()
        urls.append(prefix if relative == "index.html" else prefix + relative)
    return urls


def shell_version(folder: Path) -> str:
    """A hash of every file's name and content: it changes when any file does."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(SERVICE_WORKER_TEMPLATE.read_bytes())
    return digest.hexdigest()[:16]


def service_worker_script(folder: Path) -> str:
    template = SERVICE_WORKER_TEMPLATE.read_text(encoding="utf-8")
    return template.replace("__VERSION__", shell_version(folder)).replace(
        "__FILES__", json.dumps(shell_files(folder))
    )
