"""Storage: SQLModel tables, migrations, the blob store, durable jobs and the archive writer.

Importing this package registers every table on ``SQLModel.metadata`` (migrations and tests rely on it).
Nothing here imports FastAPI; from capture/ only record types, enums, errors and the content sniffer.
"""

from models.audit import ApiKey, AuditEvent, Role
from models.documents import Document, DocumentSource, Job, JobStatus
from models.invoices import (
    FieldProvenance,
    Invoice,
    InvoiceBigrams,
    InvoiceIssue,
    InvoiceText,
    LineItem,
    OcrLine,
    VerificationStatus,
)
from models.verification import VerificationAttempt, VerificationSchedule

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Document",
    "DocumentSource",
    "FieldProvenance",
    "Invoice",
    "InvoiceBigrams",
    "InvoiceIssue",
    "InvoiceText",
    "Job",
    "JobStatus",
    "LineItem",
    "OcrLine",
    "Role",
    "VerificationAttempt",
    "VerificationSchedule",
    "VerificationStatus",
]
