"""Personal data held by the CRM (see nexusone/personal_data.py)."""

from nexusone.personal_data import Holding, register

register(
    Holding(
        "crm.Contact",
        personal=("first_name", "last_name", "email", "phone", "company", "custom_fields", "tags"),
        contact="pk",
        contact_erase="delete",
        note="The data subjects themselves.",
    ),
    Holding("crm.Activity", personal=("payload",), contact="contact", contact_erase="delete", user="actor"),
    Holding("crm.CustomFieldDefinition"),
    Holding("crm.Segment", not_personal=("name",), user="created_by"),
    Holding(
        "crm.ContactImport",
        files={"file_key": "default", "staged_key": "default"},
        user="created_by",
        note="The uploaded CSV is kept until the import is deleted; a contact's erase cannot edit it.",
    ),
    Holding("crm.ContactImportError"),
)
