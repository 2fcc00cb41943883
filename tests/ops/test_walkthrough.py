"""The API guide's walkthrough is what a fresh server answers (scripts/walkthrough.py).

The script runs every command of docs/api-guide.md's walkthrough, in order, on a new
development server and compares each answer block with what the server said; ids must
match, timestamps, tokens, cursors and invite codes aside. It runs in a process of its own
(it sets its own environment and its own "today").
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_walkthrough_is_what_a_fresh_server_answers():
    run = subprocess.run(
        [sys.executable, "scripts/walkthrough.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_check_notices_an_answer_that_is_not_the_servers(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import walkthrough
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    guide = (ROOT / "docs" / "api-guide.md").read_text(encoding="utf-8")
    assert '"amount":"13.20"' in guide
    edited = guide.replace('"amount":"13.20"', '"amount":"13.21"', 1)
    # Only what varies from run to run is blanked: an amount is not.
    assert walkthrough.normalise(edited) != walkthrough.normalise(guide)
    assert walkthrough.normalise(
        guide.replace("2026-12-01T03:02:12.861706Z", "2027-01-01T00:00:00Z")
    ) == walkthrough.normalise(guide)
