"""What the interactive docs at /docs need besides the OpenAPI document itself.

- Swagger UI's files, at /docs/assets/. They come from the swagger-ui-bundle package, so
  /docs works without internet access and without sending readers' browsers to a
  third-party CDN.
- The project's written API documentation, docs/api-guide.md and docs/api-reference.md,
  at /docs/api-guide.md and /docs/api-reference.md (and /docs/guide, /docs/reference), so
  that the docs page can link to the guide. The files are sent as they are, as text: the
  guide's links to the reference resolve the same way here as in the repository.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response as BaseResponse

from config import BASE_DIR

ASSETS_URL = "/docs/assets"
DOCS_FOLDER = BASE_DIR / "docs"
# The documents served, by file name: nothing else in docs/ is reachable.
DOCUMENTS = ("api-guide.md", "api-reference.md")
SHORT_NAMES = {"guide": "api-guide.md", "reference": "api-reference.md"}
MARKDOWN_MIMETYPE = "text/markdown"

blp = Blueprint("docs_assets", __name__, static_folder=swagger_ui_path, static_url_path=ASSETS_URL)


def _text_type() -> str:
    """`text/markdown` for clients that name it in Accept; plain text otherwise, which every
    browser displays (some would download `text/markdown` instead)."""
    named = any(
        value == MARKDOWN_MIMETYPE and quality > 0 for value, quality in request.accept_mimetypes
    )
    return MARKDOWN_MIMETYPE if named else "text/plain"


@blp.get(f"/docs/<any({', '.join(map(repr, DOCUMENTS))}):name>")
def document(name: str) -> Response:
    """docs/api-guide.md or docs/api-reference.md, as UTF-8 text."""
    try:
        text = (DOCS_FOLDER / name).read_text(encoding="utf-8")
    except FileNotFoundError:
        abort(404)
    response = Response(text, mimetype=_text_type())
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response


@blp.get(f"/docs/<any({', '.join(map(repr, SHORT_NAMES))}):short_name>")
def short_link(short_name: str) -> BaseResponse:
    """/docs/guide and /docs/reference: short addresses of the two documents."""
    target = url_for("docs_assets.document", name=SHORT_NAMES[short_name])
    return redirect(target, code=302)
