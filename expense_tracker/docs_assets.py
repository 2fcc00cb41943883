"""Swagger UI's files, served by the app itself for the interactive docs at /docs.

They come from the swagger-ui-bundle package, so /docs works without internet access and
without sending readers' browsers to a third-party CDN.
"""

from __future__ import annotations

from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/docs/assets"

blp = Blueprint("docs_assets", __name__, static_folder=swagger_ui_path, static_url_path=ASSETS_URL)
