from .audit import AuditEntry, AuditHead
from .base import ScopedModel, TimestampedModel, VersionedModel
from .generations import Generation
from .jobs import Job

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Generation",
    "Job",
    "ScopedModel",
    "TimestampedModel",
    "VersionedModel",
]
