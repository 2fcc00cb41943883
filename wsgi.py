"""Production entry point: `gunicorn wsgi:app`."""

from expense_tracker import create_app

app = create_app()
