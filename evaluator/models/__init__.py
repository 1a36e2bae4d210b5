"""SQLAlchemy 2 typed models, one module per aggregate."""

from evaluator.models.accounts import ApiToken, Organisation, User, WebSession
from evaluator.models.applications import Application, Material
from evaluator.models.assignments import Assignment, ConflictDeclaration
from evaluator.models.audit import AuditEvent
from evaluator.models.base import Base
from evaluator.models.results import ApplicationResult, ResultSnapshot
from evaluator.models.reviews import Review
from evaluator.models.rounds import Round
from evaluator.models.vetting import RegionCheck

__all__ = ["ApiToken", "Application", "ApplicationResult", "Assignment", "AuditEvent", "Base",
           "ConflictDeclaration", "Material", "Organisation", "RegionCheck", "ResultSnapshot", "Review",
           "Round", "User", "WebSession"]
