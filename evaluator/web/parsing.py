"""Reading requests and writing JSON, with limits: one JSON provider, one arguments parser, one Blueprint.

- JSON bodies are parsed by :class:`LimitedJSONProvider` with limits on size (``JSON_MAX_BYTES``),
  nesting (``JSON_MAX_DEPTH``) and the digits of an integer (``JSON_MAX_INT_DIGITS``); a lone
  surrogate anywhere in a body is refused. A limit that can name a field answers 422 naming it; a
  body that cannot be parsed at all answers 400. Every JSON body of the API is read here: by a
  view's ``@blp.arguments`` or, where a service validates the body itself (a review), by
  :func:`json_body`; never by ``request.get_json()``, which would skip the limits.
- Responses are UTF-8 JSON with Chinese text as is, not ``\\uXXXX`` escapes.
- A JSON endpoint sent another media type answers 415, and so does a multipart endpoint sent
  anything but ``multipart/form-data``; a multipart part sent twice is refused by name.
- ``page`` of every paginated list is capped at :data:`~evaluator.validation.MAX_ID`, so the
  offset always fits a 64-bit integer.
"""

from __future__ import annotations

import json
import re
from typing import Any

import flask_smorest
from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import validate
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from evaluator.errors import ServiceError
from evaluator.messages import msg
from evaluator.validation import MAX_ID

LIMITS = {"JSON_MAX_BYTES": 1024 * 1024, "JSON_MAX_DEPTH": 32, "JSON_MAX_INT_DIGITS": 30}
MAX_REPORTED = 20  # problems listed in one refusal, so the answer stays small
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class JSONLimitError(ValueError):
    """A body that parses but breaks a limit: ``errors`` names where, as schema errors do."""

    def __init__(self, message: str, errors: Any):
        super().__init__(message)
        self.message = message
        self.errors = errors


class _HugeInt:
    """Stands in for an integer literal with too many digits until the walk names its place."""

    def __init__(self, digits: int):
        self.digits = digits


def _shown(key: Any) -> Any:
    return _SURROGATE.sub("\ufffd", key) if isinstance(key, str) else key


def _put(errors: dict, path: tuple, message: str) -> None:
    node: Any = errors
    for key in path[:-1]:
        node = node.setdefault(_shown(key), {})
        if not isinstance(node, dict):
            return
    messages = node.setdefault(_shown(path[-1]), [])
    if isinstance(messages, list) and message not in messages:
        messages.append(message)


def check_value(value: Any, max_depth: int, max_digits: int) -> None:
    """Walk a parsed body (without recursion); raise JSONLimitError naming each bad place."""
    errors: dict = {}
    top: list[str] = []
    count = 0
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack and count < MAX_REPORTED:
        path, item = stack.pop()
        problem = None
        if len(path) > max_depth:
            problem, path = msg("Nested deeper than the limit of %(max)s levels.", max=max_depth), path[:1]
        elif isinstance(item, _HugeInt):
            problem = msg(
                "An integer may have at most %(max)s digits; this one has %(digits)s.",
                max=max_digits,
                digits=item.digits,
            )
        elif isinstance(item, str) and _SURROGATE.search(item):
            problem = msg("Must not contain a lone surrogate (U+D800 to U+DFFF); send valid Unicode text.")
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    _put(errors, (*path, key), msg("A key must not contain a lone surrogate."))
                    count += 1
                stack.append(((*path, key), child))
        elif isinstance(item, list):
            stack.extend(((*path, i), child) for i, child in enumerate(item))
        if problem is None:
            continue
        count += 1
        if path:
            _put(errors, path, problem)
        else:
            top.append(problem)
    if top or errors:
        raise JSONLimitError(msg("The JSON body breaks a limit of this service."), top or errors)


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with UTF-8 output as is and limits on what it parses."""

    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """JSON text with Chinese as is; a lone surrogate (from YAML or a file, say) stays ``\\udXXX``.

        UTF-8 cannot encode a lone surrogate, so left as is it would fail the whole response.
        """
        text = super().dumps(obj, **kwargs)
        if _SURROGATE.search(text) is None:
            return text
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON text; JSONLimitError when it is too deep, has huge integers or lone surrogates."""
        config = self._app.config
        max_digits, max_depth = int(config["JSON_MAX_INT_DIGITS"]), int(config["JSON_MAX_DEPTH"])
        text = s.decode("utf-8") if isinstance(s, bytes | bytearray) else s

        def parse_int(digits: str) -> int | _HugeInt:
            length = len(digits) - digits.startswith("-")
            return _HugeInt(length) if length > max_digits else int(digits)

        def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            seen: dict[str, Any] = {}
            for key, item in pairs:
                if key in seen:  # the last would silently win: say so instead
                    raise JSONLimitError(
                        msg("The JSON body names a key twice in one object."),
                        [msg("The key %(key)s appears twice in one object.", key=key[:100])],
                    )
                seen[key] = item
            return seen

        kwargs.setdefault("object_pairs_hook", unique_keys)
        try:
            value = json.loads(text, parse_int=parse_int, **kwargs)
        except RecursionError:
            raise JSONLimitError(
                msg("The JSON body is nested too deeply."),
                [msg("Nested deeper than the limit of %(max)s levels.", max=max_depth)],
            ) from None
        check_value(value, max_depth, max_digits)
        return value


class ApiParser(FlaskParser):
    """webargs' Flask parser with the limits above, media types enforced and repeated parts refused."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            if req.mimetype or req.get_data(cache=True):
                raise ServiceError(
                    415,
                    msg("This endpoint takes a JSON body: send it with 'Content-Type: application/json'."),
                    {"json": [msg("Expected a JSON body (application/json).")]},
                )
            return core.missing
        limit = int(current_app.config["JSON_MAX_BYTES"])
        if (req.content_length or 0) > limit or len(req.get_data(cache=True)) > limit:
            raise ServiceError(
                413, msg("The JSON body is larger than the limit of %(max)s bytes.", max=limit)
            )
        try:
            return current_app.json.loads(req.get_data(cache=True))
        except JSONLimitError as exc:
            raise ServiceError(
                422 if isinstance(exc.errors, dict) else 400, exc.message, {"json": exc.errors}
            ) from None

    def json_body(self, req: Any) -> Any:
        """The body of a JSON endpoint that checks it itself, read as every JSON body is (media type,
        size, nesting, digits, lone surrogates, invalid JSON); None for a request without one."""
        value = self.load_json(req, None)
        return None if value is core.missing else value

    def _refuse_repeats(self, multidict: Any, location: str) -> None:
        repeated = {
            key: [
                msg(
                    "Send one part named '%(name)s'; this request has %(count)s.", name=key, count=len(values)
                )
            ]
            for key, values in multidict.lists()
            if len(values) > 1
        }
        if repeated:
            raise ServiceError(
                422,
                msg("A multipart part is repeated: %(names)s.", names=sorted(repeated)),
                {location: repeated},
            )

    def check_multipart(self, req: Any, location: str = "files") -> None:
        """415 unless the body is ``multipart/form-data`` (or empty); 422 for a part sent twice."""
        if req.mimetype != "multipart/form-data" and (req.mimetype or req.content_length):
            raise ServiceError(
                415,
                msg("This endpoint takes a multipart/form-data upload."),
                {location: [msg("Expected multipart/form-data.")]},
            )
        self._refuse_repeats(req.files, location)
        self._refuse_repeats(req.form, location)

    def load_files(self, req: Any, schema: Any) -> Any:
        """File parts of a ``multipart/form-data`` body (415 for any other media type with a body)."""
        self.check_multipart(req)
        return super().load_files(req, schema)

    def load_form(self, req: Any, schema: Any) -> Any:
        """Text parts of a form body; a part sent twice is refused."""
        self._refuse_repeats(req.form, "form")
        return super().load_form(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint reading arguments with :class:`ApiParser` and capping ``page``."""

    ARGUMENTS_PARSER = ApiParser()
    PAGINATION_ARGUMENTS_PARSER = ApiParser()

    def paginate(self, pager: Any = None, **kwargs: Any) -> Any:
        """flask-smorest's pagination, with ``page`` at most MAX_ID and the list's default and
        largest page size said in words (both shown in the OpenAPI document)."""
        decorate = super().paginate(pager, **kwargs)
        defaults = {
            **self.DEFAULT_PAGINATION_PARAMETERS,
            **{k: v for k, v in kwargs.items() if v is not None},
        }

        def decorator(func: Any) -> Any:
            wrapper = decorate(func)
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            page, size = schema._declared_fields["page"], schema._declared_fields["page_size"]
            page.validators = [*page.validators, validate.Range(min=1, max=MAX_ID)]
            page.metadata["description"] = "The page, from 1 (the `X-Pagination` header tells how many)."
            size.metadata["description"] = (
                f"Items per page: {defaults['page_size']} unless given, at most {defaults['max_page_size']}."
            )
            return wrapper

        return decorator


def json_body() -> Any:
    """This request's JSON body through the one reader of the API (for an endpoint whose body a
    service validates, e.g. a review): never ``request.get_json()``, which skips the limits."""
    return Blueprint.ARGUMENTS_PARSER.json_body(request)


def register_request_parsing(app: Flask) -> None:
    """Install the JSON provider and the default limits (each overridable as ``EVALUATOR_<KEY>``)."""
    for key, value in LIMITS.items():
        app.config.setdefault(key, value)
    app.json = LimitedJSONProvider(app)
