"""CRM writes. Keyword-only, typed, `<entity>_<action>`; views, tasks and
other modules call these and nothing else writes CRM rows.

Contracts shared by every function here:
- They run inside the workspace scope of the workspace they act on (entered
  by the API base, the page mixin, the task base or the caller's public
  handler); rows are read through the scoped managers, so another
  workspace's id is simply "not found" (`NotFound`, 404).
- Input is normalised by `crm.validation`; a bad value raises
  `ValidationFailed` whose `details` maps the field to messages. An e-mail or
  phone already used by another contact raises `Conflict` with code
  `duplicate_contact` and `details.existing_id`.
- Credits go through `billing.charging` only. A contact a member creates
  through the API or the pages costs the `crm` module's price (5) and is
  charged before it is written (refunded if the write fails); an import is
  charged once for all its new contacts (see `import_start`). Leads that
  arrive by themselves — page forms (`contact_upsert_from_form`), inbound
  WhatsApp senders (`contact_create_lead`), lead ads — are free: the page,
  bot or campaign that brought them was already paid for, and a stranger
  posting forms from many addresses must not drain the workspace. Updates,
  merges, activities and segments are free.
- Sensitive actions (imports, exports, merges, deletions) write an audit entry.

Layout: `common` (price key, audit labels, scope check), `contacts`
(contacts, activities, form leads), `segments` (custom fields, segments),
`imports` (imports, export audit). Import the names from `crm.services`.
"""

from crm.services.common import CRM_MODULE, PayloadTooLarge
from crm.services.contacts import (
    MAX_PAYLOAD_BYTES,
    activity_add,
    contact_create,
    contact_create_lead,
    contact_delete,
    contact_merge,
    contact_update,
    contact_upsert_from_form,
    contacts_bulk_update,
)
from crm.services.imports import (
    IMPORT_HOLD_SECONDS,
    IMPORT_MAX_BYTES,
    IMPORT_STALE_AFTER,
    _import_finish,
    contacts_export_record,
    import_fail,
    import_run,
    import_start,
    import_upload,
    imports_sweep_stale,
)
from crm.services.segments import (
    CUSTOM_OPS,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    segment_create,
    segment_definition_validate,
    segment_delete,
    segment_update,
)

__all__ = [
    "CRM_MODULE",
    "CUSTOM_OPS",
    "IMPORT_HOLD_SECONDS",
    "IMPORT_MAX_BYTES",
    "IMPORT_STALE_AFTER",
    "MAX_PAYLOAD_BYTES",
    "PayloadTooLarge",
    "_import_finish",
    "activity_add",
    "contact_create",
    "contact_create_lead",
    "contact_delete",
    "contact_merge",
    "contact_update",
    "contact_upsert_from_form",
    "contacts_bulk_update",
    "contacts_export_record",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "import_fail",
    "import_run",
    "import_start",
    "import_upload",
    "imports_sweep_stale",
    "segment_create",
    "segment_definition_validate",
    "segment_delete",
    "segment_update",
]
