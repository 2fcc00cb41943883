"""The domain is plain Python: importing it loads no Flask and no SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

DOMAIN = (
    "expense_tracker.domain.money",
    "expense_tracker.domain.splits",
    "expense_tracker.domain.settle",
    "expense_tracker.domain.text",
    "expense_tracker.domain.dates",
)
WEB_STACK = ("flask", "werkzeug", "sqlalchemy", "marshmallow", "flask_smorest")


def test_importing_the_domain_loads_no_web_stack_and_no_database_layer() -> None:
    script = (
        "import sys\n"
        f"for name in {DOMAIN!r}:\n"
        "    __import__(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {WEB_STACK!r})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
