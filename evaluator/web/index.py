"""The API's index, ``GET /api/v1/``: what the service is and where its documents are, for anyone
(no token needed, as for the docs page and the OpenAPI document)."""

from __future__ import annotations

from flask import current_app, url_for
from marshmallow import Schema, fields

from evaluator.i18n import localise
from evaluator.messages import msg
from evaluator.web.parsing import Blueprint

PREFIX = ""
blp = Blueprint("index", __name__, description="The API's index: its name, version and documents.")


class IndexSchema(Schema):
    """What the service is and where to read about it (paths on this server)."""

    name = fields.String(metadata={"description": "The API's name"})
    title = fields.String(metadata={"description": "The service's name, in the request's language"})
    version = fields.String(metadata={"description": "The API's version (the /api/v1 of its paths)"})
    docs = fields.String(metadata={"description": "The docs page (Swagger UI)"})
    openapi = fields.String(metadata={"description": "The OpenAPI document"})
    sign_in = fields.String(metadata={"description": "Where a username and password get a bearer token"})


@blp.route("/", methods=["GET"], strict_slashes=False)
@blp.response(200, IndexSchema)
def index():
    """The API's index: its name and version, and the addresses of its docs page, its OpenAPI
    document and its sign-in."""
    config = current_app.config
    prefix = config["OPENAPI_URL_PREFIX"].rstrip("/")
    return {
        "name": config["API_TITLE"],
        "title": localise(msg("Sichuan community governance pilot units")),
        "version": config["API_VERSION"],
        "docs": prefix + config["OPENAPI_SWAGGER_UI_PATH"],
        "openapi": f"{prefix}/{config['OPENAPI_JSON_PATH']}",
        "sign_in": url_for("auth.login"),
    }
