"""orjson as Flask's JSON provider: responses are encoded by orjson, straight to bytes.

The same documents as Flask's default provider: keys in the order the schemas build them,
compact, with a closing newline; what orjson does not know (Decimal, date, datetime...) is
turned into what Flask would send (`_default`). A value orjson refuses outright (an
integer beyond 64 bits, which only a client's own input could bring back in an error
document) is encoded by the standard library instead, so nothing that encoded before fails.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider, _default
from werkzeug.sansio.response import Response

# Dates and datetimes go through Flask's own rule (an HTTP date), as they always did;
# schemas send ISO 8601 text, never date objects.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs or self.sort_keys:
            return super().dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """The same response as Flask's, encoded once, as bytes."""
        obj = self._prepare_response_obj(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(obj)
        # Flask types `response_class` as werkzeug's sans-IO Response; it is flask's.
        response_class: Any = self._app.response_class
        answer: Response = response_class(self._encode(obj) + b"\n", mimetype=self.mimetype)
        return answer

    def _encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().dumps(obj, separators=(",", ":")).encode()
