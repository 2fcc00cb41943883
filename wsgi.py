"""Production entry point: `gunicorn wsgi:app`, and FLASK_APP for the `flask` commands.

The settings are read and checked by create_app, not when a module is imported: every
malformed one is a ConfigurationError, reported here in one line naming the variable.
"""

import sys

from config import ConfigurationError
from expense_tracker import create_app

WORKER_BOOT_ERROR = 3

try:
    app = create_app()
except ConfigurationError as exc:
    # One clear line for the operator, not a traceback: the settings, not the code, are wrong.
    print(f"expense_tracker: cannot start: {exc}", file=sys.stderr)
    # 3 is gunicorn's "worker failed to boot": the master stops instead of retrying forever.
    raise SystemExit(WORKER_BOOT_ERROR) from None
