"""SQLAlchemy 2 typed models, one module per aggregate."""

from evaluator.models.accounts import ApiToken, Organisation, User, WebSession
from evaluator.models.applications import Application, Material
from evaluator.models.audit import AuditEvent
from evaluator.models.base import Base
from evaluator.models.rounds import Round

__all__ = ["ApiToken", "Application", "AuditEvent", "Base", "Material", "Organisation", "Round",
           "User",
           "WebSession"]
