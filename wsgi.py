"""Production entry point: `gunicorn wsgi:app`."""

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
