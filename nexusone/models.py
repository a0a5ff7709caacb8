"""Platform models: the audit log and stored idempotent responses."""

from nexusone.audit import AuditEntry  # noqa: F401
from nexusone.idempotency import IdempotencyRecord  # noqa: F401
