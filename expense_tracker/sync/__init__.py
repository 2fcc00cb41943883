"""The change feed for offline clients: `GET /users/me/changes` (feed.py explains it)."""
