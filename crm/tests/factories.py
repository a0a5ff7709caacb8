"""CRM test rows, created with an explicit workspace (no scope needed), and
the route walk's `TENANT_FACTORIES`."""

from __future__ import annotations

import itertools

from crm.models import (
    Activity,
    ActivityType,
    Contact,
    ContactImport,
    ContactImportError,
    CustomFieldDefinition,
    ImportStatus,
    Segment,
)

_sequence = itertools.count(1)


def make_contact(workspace, **fields) -> Contact:
    n = next(_sequence)
    values = {
        "first_name": f"Firstname{n}",
        "last_name": f"Lastname{n}",
        "email": f"contact{n}@{workspace.slug}.example.test",
        "company": f"Company {workspace.slug}",
        **fields,
    }
    return Contact.unscoped.create(workspace=workspace, **values)


def make_activity(workspace, contact: Contact | None = None, **fields) -> Activity:
    contact = contact or make_contact(workspace)
    values = {"type": ActivityType.NOTE, "payload": {"text": f"Note about {contact.email}"}, **fields}
    return Activity.unscoped.create(workspace=workspace, contact=contact, **values)


def make_segment(workspace, **fields) -> Segment:
    values = {"name": f"Segment of {workspace.slug}", "definition": {"stages": ["lead"]}, **fields}
    return Segment.unscoped.create(workspace=workspace, **values)


def make_custom_field(workspace, **fields) -> CustomFieldDefinition:
    values = {"key": "plan", "label": f"Plan ({workspace.slug})", "type": "text", **fields}
    return CustomFieldDefinition.unscoped.create(workspace=workspace, **values)


def make_import(workspace, **fields) -> ContactImport:
    values = {
        "file_name": f"contacts-{workspace.slug}.csv",
        "status": ImportStatus.DONE,
        "columns": ["email"],
        "mapping": {"email": "email"},
        "total": 2,
        "created": 1,
        "rejected": 1,
        **fields,
    }
    contact_import = ContactImport.unscoped.create(workspace=workspace, **values)
    ContactImportError.unscoped.create(
        workspace=workspace, contact_import=contact_import, line=3, reason=f"Invalid line in {workspace.slug}"
    )
    return contact_import


# model → callable(workspace) → a row owned by that workspace (used by the route walk)
TENANT_FACTORIES = {
    Contact: make_contact,
    Activity: make_activity,
    Segment: make_segment,
    CustomFieldDefinition: make_custom_field,
    ContactImport: make_import,
}
