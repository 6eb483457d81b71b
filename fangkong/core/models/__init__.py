from .audit import AuditEntry, AuditHead
from .base import ScopedModel, TimestampedModel, VersionedModel
from .jobs import Job

__all__ = ["AuditEntry", "AuditHead", "Job", "ScopedModel", "TimestampedModel", "VersionedModel"]
