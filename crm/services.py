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
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.charging import charge, charge_commit, charge_refund, charge_refund_units, charge_reserve
from billing.models import Charge
from crm import csvio, importing, scoring
from crm.models import (
    SYSTEM_ACTIVITY_TYPES,
    Activity,
    ActivityType,
    Contact,
    ContactImport,
    CustomFieldDefinition,
    CustomFieldType,
    ImportStatus,
    Segment,
    Stage,
)
from crm.validation import (
    InvalidValue,
    apply_custom_fields,
    clean_custom_fields,
    clean_custom_value,
    merge_tags,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_stage,
    normalize_tags,
    normalize_timezone,
    parse_bool,
)
from nexusone.audit import audit_record, register_action_labels
from nexusone.errors import ApplicationError, Conflict, InsufficientCredits, NotFound, ValidationFailed
from nexusone.tenancy import get_active_workspace
from notifications import hooks as notification_hooks
from webhooks import hooks as webhook_hooks

logger = logging.getLogger(__name__)

CRM_MODULE = "crm"
# Upload cap for imports; ~110,000 contacts of typical width. Larger files → 413.
IMPORT_MAX_BYTES = getattr(settings, "CRM_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# How long an import's credit reservation may stay open before billing's
# reaper refunds it (a dead worker); far longer than any import runs.
IMPORT_HOLD_SECONDS = 24 * 3600
IMPORT_STALE_AFTER = timedelta(hours=24)
MAX_PAYLOAD_BYTES = 16 * 1024

register_action_labels(
    {
        "crm.contacts.imported": gettext_lazy("Contacts imported"),
        "crm.contacts.import_started": gettext_lazy("Contact import started"),
        "crm.contacts.exported": gettext_lazy("Contacts exported"),
        "crm.contacts.merged": gettext_lazy("Contacts merged"),
        "crm.contact.deleted": gettext_lazy("Contact deleted"),
    }
)


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"
    default_message = gettext_lazy("The file is too large.")


def _require_scope(workspace) -> None:
    active = get_active_workspace()
    if active is None or active.pk != workspace.pk:
        raise AssertionError("CRM services run inside the scope of the workspace they act on.")


# --- contacts ------------------------------------------------------------------------------------

_TEXT_LIMITS = {"first_name": 100, "last_name": 100, "company": 200, "source": 50}


def _definitions() -> dict[str, CustomFieldDefinition]:
    return {definition.key: definition for definition in CustomFieldDefinition.objects.all()}


def _clean_contact_data(*, workspace, data: Mapping[str, Any], current: Contact | None = None) -> dict:
    """Normalise contact input; raise ValidationFailed naming each bad field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def attempt(name: str, function, *args) -> None:
        try:
            cleaned[name] = function(*args)
        except InvalidValue as exc:
            errors[name] = [str(exc)]

    for name, limit in _TEXT_LIMITS.items():
        if name in data:
            value = str(data[name] or "").replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL
            if len(value) > limit:
                errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
            cleaned[name] = value
    if "email" in data:
        attempt("email", normalize_email, data["email"])
    if "phone" in data:
        attempt("phone", normalize_phone, data["phone"], workspace.default_region)
    if "stage" in data:
        attempt("stage", lambda v: normalize_stage(v) or Stage.LEAD, data["stage"])
    if "language" in data:
        attempt("language", normalize_language, data["language"])
    if "tags" in data:
        attempt("tags", normalize_tags, data["tags"])
    if "timezone" in data:
        attempt("timezone", normalize_timezone, data["timezone"])
    for flag in ("email_opt_in", "whatsapp_opt_in", "sms_opt_in"):
        if flag in data:
            try:
                cleaned[flag] = bool(parse_bool(data[flag]))
            except InvalidValue as exc:
                errors[flag] = [str(exc)]
    if "custom_fields" in data:
        values, field_errors = clean_custom_fields(data["custom_fields"] or {}, _definitions())
        if field_errors:
            errors["custom_fields"] = [f"{key}: {message}" for key, message in field_errors.items()]
        else:
            cleaned["custom_fields"] = apply_custom_fields(current.custom_fields if current else {}, values)
    if errors:
        raise ValidationFailed(details=errors)
    return cleaned


def _duplicate(*, email: str, phone: str, exclude_id: int | None = None) -> Conflict | None:
    for field, value in (("email", email), ("phone", phone)):
        if not value:
            continue
        existing = Contact.objects.filter(**{field: value}).exclude(pk=exclude_id).values_list("pk", flat=True).first()
        if existing is not None:
            message = (
                _("A contact with this e-mail address already exists.")
                if field == "email"
                else _("A contact with this phone number already exists.")
            )
            return Conflict(message, code="duplicate_contact", details={"existing_id": existing, "field": field})
    return None


def contact_create_lead(*, workspace, data: Mapping[str, Any], source: str) -> Contact:
    """Create a contact that arrived by itself (an inbound message's sender, a
    lead ad): validated like any contact, never charged. A duplicate raises
    `Conflict` (`duplicate_contact`) as in `contact_create`."""
    _require_scope(workspace)
    cleaned = _clean_contact_data(workspace=workspace, data=data)
    cleaned.setdefault("source", source)
    duplicate = _duplicate(email=cleaned.get("email", ""), phone=cleaned.get("phone", ""))
    if duplicate is not None:
        raise duplicate
    try:
        with transaction.atomic():
            return Contact.objects.create(**cleaned)
    except IntegrityError:
        raise _duplicate(email=cleaned.get("email", ""), phone=cleaned.get("phone", "")) or Conflict(
            code="duplicate_contact"
        ) from None


def contact_create(
    *,
    workspace,
    data: Mapping[str, Any],
    user=None,
    idempotency_key: str | None = None,
    source: str = "api",
) -> Contact:
    """Create a contact and charge the `crm` module's cost for it.

    The duplicate check runs before the charge (a 409 costs nothing); the
    charge is reserved before the insert and refunded if the insert fails
    (e.g. a concurrent duplicate). With `idempotency_key` a retried request
    cannot be charged twice."""
    _require_scope(workspace)
    cleaned = _clean_contact_data(workspace=workspace, data=data)
    cleaned.setdefault("source", source)
    duplicate = _duplicate(email=cleaned.get("email", ""), phone=cleaned.get("phone", ""))
    if duplicate is not None:
        raise duplicate
    key = f"crm:contact:{idempotency_key}" if idempotency_key else None
    with charge(
        workspace=workspace,
        user=user,
        module=CRM_MODULE,
        action="contact_created",
        idempotency_key=key,
        reference="crm.contact",
    ) as handle:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(**cleaned)
                webhook_hooks.contact_created(contact)
        except IntegrityError:
            raise _duplicate(email=cleaned.get("email", ""), phone=cleaned.get("phone", "")) or Conflict(
                code="duplicate_contact"
            ) from None
        handle.metadata["contact_id"] = contact.pk
    return contact


def contact_update(*, contact: Contact, data: Mapping[str, Any], user=None) -> Contact:
    """Change the given fields. A stage change adds a `stage_change` activity."""
    workspace = contact.workspace
    cleaned = _clean_contact_data(workspace=workspace, data=data, current=contact)
    duplicate = _duplicate(email=cleaned.get("email", ""), phone=cleaned.get("phone", ""), exclude_id=contact.pk)
    if duplicate is not None:
        raise duplicate
    old_stage = contact.stage
    for name, value in cleaned.items():
        setattr(contact, name, value)
    try:
        with transaction.atomic():
            contact.save()
            if contact.stage != old_stage:
                _stage_activity(contact=contact, old=old_stage, new=contact.stage, actor=user)
            webhook_hooks.contact_updated(contact)
    except IntegrityError:
        raise _duplicate(
            email=cleaned.get("email", ""), phone=cleaned.get("phone", ""), exclude_id=contact.pk
        ) or Conflict(code="duplicate_contact") from None
    return contact


def _stage_activity(*, contact: Contact, old: str, new: str, actor=None) -> Activity:
    return Activity.objects.create(
        contact=contact, type=ActivityType.STAGE_CHANGE, payload={"from": old, "to": new}, actor=actor
    )


def contact_delete(*, contact: Contact, user=None, request=None) -> None:
    """Delete a contact and its timeline (no refund: the lead was delivered)."""
    with transaction.atomic():
        audit_record(
            action="crm.contact.deleted", request=request, user=user, workspace=contact.workspace, target=contact
        )
        contact.delete()


def contacts_bulk_update(
    *,
    workspace,
    ids: Iterable[int],
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    stage: str | None = None,
    user=None,
) -> int:
    """Tag, untag or move many contacts at once; every id must be one of the
    workspace's contacts (else ValidationFailed listing the unknown ids, the
    same answer for another workspace's id as for a missing one)."""
    _require_scope(workspace)
    ids = sorted({int(i) for i in ids})
    if not ids:
        raise ValidationFailed(details={"ids": [_("Select at least one contact.")]})
    if len(ids) > 1000:
        raise ValidationFailed(details={"ids": [_("At most 1,000 contacts at a time.")]})
    try:
        add = normalize_tags(list(add_tags))
        remove = set(normalize_tags(list(remove_tags)))
        new_stage = normalize_stage(stage) if stage else ""
    except InvalidValue as exc:
        raise ValidationFailed(details={"non_field_errors": [str(exc)]}) from None
    if not (add or remove or new_stage):
        raise ValidationFailed(details={"non_field_errors": [_("Choose tags to add or remove, or a stage.")]})
    with transaction.atomic():
        contacts = list(Contact.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        missing = set(ids) - {contact.pk for contact in contacts}
        if missing:
            raise ValidationFailed(
                details={"ids": [_("Unknown contacts: %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))}]}
            )
        now = timezone.now()
        changed, activities = [], []
        for contact in contacts:
            tags = [tag for tag in merge_tags(contact.tags or [], add) if tag not in remove]
            old_stage = contact.stage
            if tags == contact.tags and (not new_stage or new_stage == old_stage):
                continue
            contact.tags = tags
            if new_stage and new_stage != old_stage:
                contact.stage = new_stage
                activities.append(
                    Activity(
                        contact=contact,
                        type=ActivityType.STAGE_CHANGE,
                        payload={"from": old_stage, "to": new_stage},
                        actor=user,
                        workspace=workspace,
                    )
                )
            contact.updated_at = now
            changed.append(contact)
        Contact.objects.bulk_update(changed, ["tags", "stage", "updated_at"], batch_size=500)
        Activity.objects.bulk_create(activities, batch_size=500)
    return len(changed)


def contact_merge(*, workspace, contact_id: int, other_id: int, user=None, request=None) -> Contact:
    """Merge contact `other_id` into `contact_id` and delete it.

    Nothing is lost: every activity moves to the kept contact; its empty
    fields (e-mail and phone included) are filled from the other; tags are
    united; custom fields the kept contact lacks are copied; an opt-in given
    on either record is kept. A `merge` activity records what was merged.
    Both ids must be the workspace's (else NotFound)."""
    _require_scope(workspace)
    if int(contact_id) == int(other_id):
        raise ValidationFailed(details={"other_id": [_("A contact cannot be merged into itself.")]})
    with transaction.atomic():
        # Lock both in id order, so two opposite merges cannot deadlock.
        locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[contact_id, other_id])}
        keep, other = locked.get(int(contact_id)), locked.get(int(other_id))
        if keep is None or other is None:
            raise NotFound(_("Contact not found."))
        moved_email = other.email if not keep.email else ""
        moved_phone = other.phone if not keep.phone else ""
        for name in ("first_name", "last_name", "company", "language", "source"):
            if not getattr(keep, name) and getattr(other, name):
                setattr(keep, name, getattr(other, name))
        keep.tags = merge_tags(keep.tags or [], other.tags or [])
        keep.custom_fields = {**(other.custom_fields or {}), **(keep.custom_fields or {})}
        keep.email_opt_in = keep.email_opt_in or other.email_opt_in
        keep.whatsapp_opt_in = keep.whatsapp_opt_in or other.whatsapp_opt_in
        keep.sms_opt_in = keep.sms_opt_in or other.sms_opt_in
        keep.timezone = keep.timezone or other.timezone
        moved = Activity.objects.filter(contact_id=other.pk).update(contact_id=keep.pk)
        summary = {
            "merged_id": other.pk,
            "email": other.email,
            "phone": other.phone,
            "name": other.full_name,
            "activities_moved": moved,
        }
        other.delete()  # frees its e-mail/phone for the kept contact
        if moved_email:
            keep.email = moved_email
        if moved_phone:
            keep.phone = moved_phone
        keep.save()
        Activity.objects.create(contact=keep, type=ActivityType.MERGE, payload=summary, actor=user)
        audit_record(
            action="crm.contacts.merged",
            request=request,
            user=user,
            workspace=workspace,
            target=keep,
            metadata={"merged_id": summary["merged_id"], "activities_moved": moved},
        )
    scoring.contact_score_refresh(contact=keep)
    return keep


# --- activities ----------------------------------------------------------------------------------


def activity_add(
    *,
    contact: Contact,
    type: str,
    payload: Mapping | None = None,
    occurred_at: datetime | None = None,
    actor=None,
    dedupe_key: str = "",
    allow_system: bool = False,
) -> Activity:
    """Add an activity to the timeline and refresh the contact's score and
    last activity. System types (stage changes, merges) only from services."""
    errors: dict[str, list[str]] = {}
    if type not in ActivityType.values or (type in SYSTEM_ACTIVITY_TYPES and not allow_system):
        errors["type"] = [_("Unknown activity type.")]
    payload = dict(payload or {})
    if len(json.dumps(payload, default=str)) > MAX_PAYLOAD_BYTES:
        errors["payload"] = [_("The details are too large.")]
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(days=1):
        errors["occurred_at"] = [_("An activity cannot be in the future.")]
    if errors:
        raise ValidationFailed(details=errors)
    activity = Activity.objects.create(
        contact=contact, type=type, payload=payload, occurred_at=occurred_at, actor=actor, dedupe_key=dedupe_key
    )
    scoring.contact_score_refresh(contact=contact, now=now)
    return activity


# --- form leads ------------------------------------------------------------------------------------


def contact_upsert_from_form(
    *,
    workspace,
    data: Mapping[str, Any],
    submission_key: str,
    source: str = "form",
    page: Mapping[str, Any] | None = None,
) -> Contact:
    """Capture a lead from a published landing page's form.

    - Finds the contact by e-mail, else by phone, and updates it (non-empty
      values overwrite, tags are added, an opt-in ticked on the form is set —
      an unticked box never withdraws consent); otherwise creates it.
    - Adds one `form_submit` activity; `submission_key` (unique per
      submission, e.g. `page:<id>:<uuid>`) makes a repeated submit a no-op
      that returns the same contact.
    - Free, and so never refused for lack of credits (a lead must not be
      lost, and the published page was already paid for).
    - Raises ValidationFailed only when neither a valid e-mail nor a valid
      phone was given (there is nothing to follow up on)."""
    _require_scope(workspace)
    dedupe_key = f"form:{submission_key}"[:200]
    replay = Activity.objects.filter(dedupe_key=dedupe_key).select_related("contact").first()
    if replay is not None:
        return replay.contact
    known = {k: v for k, v in data.items() if k in (*_TEXT_LIMITS, "email", "phone", "language", "tags")}
    try:
        cleaned = _clean_contact_data(workspace=workspace, data=known)
    except ValidationFailed as exc:
        # Keep the lead with what is valid; only e-mail and phone are essential.
        cleaned = _clean_contact_data(
            workspace=workspace, data={k: v for k, v in known.items() if k not in exc.details}
        )
    if not cleaned.get("email") and not cleaned.get("phone"):
        raise ValidationFailed(details={"email": [_("Enter a valid e-mail address or phone number.")]})
    opt_ins = {flag: True for flag in ("email_opt_in", "whatsapp_opt_in") if _truthy(data.get(flag))}
    payload = {"page": dict(page or {}), "fields": {k: str(v)[:500] for k, v in data.items()}}

    for _attempt in range(3):
        contact = _find_contact(email=cleaned.get("email", ""), phone=cleaned.get("phone", ""))
        try:
            with transaction.atomic():
                if contact is None:
                    contact = Contact.objects.create(**{"source": source, **cleaned, **opt_ins})
                else:
                    _fill_from_form(contact, cleaned, opt_ins)
                activity = Activity.objects.create(
                    contact=contact, type=ActivityType.FORM_SUBMIT, payload=payload, dedupe_key=dedupe_key
                )
        except IntegrityError:
            replay = Activity.objects.filter(dedupe_key=dedupe_key).select_related("contact").first()
            if replay is not None:  # the same submission, delivered twice at once
                return replay.contact
            continue  # a concurrent submit created the contact: update it instead
        scoring.contact_score_refresh(contact=contact, now=activity.occurred_at)
        return contact
    raise Conflict(_("The lead could not be saved. Try again."), code="contact_contention")


def _truthy(value) -> bool:
    try:
        return bool(parse_bool(value if isinstance(value, bool | type(None)) else str(value)))
    except InvalidValue:
        return False


def _find_contact(*, email: str, phone: str) -> Contact | None:
    if email:
        contact = Contact.objects.filter(email=email).first()
        if contact is not None:
            return contact
    if phone:
        return Contact.objects.filter(phone=phone).first()
    return None


def _fill_from_form(contact: Contact, cleaned: dict, opt_ins: dict) -> None:
    for name, value in cleaned.items():
        if name in ("email", "phone"):
            # Only fill a missing identity, and only if no other contact has it.
            if value and not getattr(contact, name) and not Contact.objects.filter(**{name: value}).exists():
                setattr(contact, name, value)
        elif name == "tags":
            contact.tags = merge_tags(contact.tags or [], value)
        elif value:
            setattr(contact, name, value)
    for flag in opt_ins:
        setattr(contact, flag, True)
    contact.save()


# --- custom fields ---------------------------------------------------------------------------------

_CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _clean_definition(*, key: str | None, label: str, type: str, choices) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {"label": (label or "").strip()[:100], "type": type}
    if key is not None:
        key = (key or "").strip().lower()
        if not _CUSTOM_KEY.match(key) or len(key) > 50:
            errors["key"] = [_("Use lower-case letters, digits and single underscores, starting with a letter.")]
        cleaned["key"] = key
    if not cleaned["label"]:
        errors["label"] = [_("This field is required.")]
    if type not in CustomFieldType.values:
        errors["type"] = [_("Unknown field type.")]
    values = [str(choice).strip() for choice in (choices or []) if str(choice).strip()]
    if type == CustomFieldType.CHOICE and not values:
        errors["choices"] = [_("A choice field needs at least one choice.")]
    cleaned["choices"] = values[:100] if type == CustomFieldType.CHOICE else []
    if errors:
        raise ValidationFailed(details=errors)
    return cleaned


def custom_field_create(
    *, workspace, key: str, label: str, type: str = CustomFieldType.TEXT, choices=None, position: int = 0
) -> CustomFieldDefinition:
    _require_scope(workspace)
    cleaned = _clean_definition(key=key, label=label, type=type, choices=choices)
    if CustomFieldDefinition.objects.filter(key=cleaned["key"]).exists():
        raise Conflict(_("A custom field with this key already exists."), code="duplicate_custom_field")
    try:
        with transaction.atomic():
            return CustomFieldDefinition.objects.create(position=position, **cleaned)
    except IntegrityError:
        raise Conflict(_("A custom field with this key already exists."), code="duplicate_custom_field") from None


def custom_field_update(
    *, definition: CustomFieldDefinition, label: str, choices=None, position: int | None = None
) -> CustomFieldDefinition:
    """The key and type are fixed once values exist; label, choices and position change."""
    cleaned = _clean_definition(key=None, label=label, type=definition.type, choices=choices)
    definition.label, definition.choices = cleaned["label"], cleaned["choices"]
    if position is not None:
        definition.position = position
    definition.save()
    return definition


def custom_field_delete(*, definition: CustomFieldDefinition) -> None:
    """Delete the definition and its values from every contact."""
    with transaction.atomic():
        for contact in Contact.objects.filter(custom_fields__has_key=definition.key).only("pk", "custom_fields"):
            contact.custom_fields.pop(definition.key, None)
            Contact.objects.filter(pk=contact.pk).update(custom_fields=contact.custom_fields)
        definition.delete()


# --- segments --------------------------------------------------------------------------------------

_LIST_KEYS = {"tags_any", "tags_all", "tags_none", "stages", "languages", "sources"}
_INT_KEYS = {
    "score_min": (0, 100),
    "score_max": (0, 100),
    "last_activity_within_days": (1, 3650),
    "inactive_for_days": (1, 3650),
    "created_within_days": (1, 3650),
}
_BOOL_KEYS = {"email_opt_in", "whatsapp_opt_in", "sms_opt_in"}
CUSTOM_OPS = ("eq", "neq", "contains", "gt", "gte", "lt", "lte", "is_set", "is_not_set")
_ORDERED_OPS = {"gt", "gte", "lt", "lte"}


def segment_definition_validate(*, definition: Any) -> dict:
    """Check and normalise a segment's filter. Keys (all optional; all given
    conditions must hold):

    - `tags_any`, `tags_all`, `tags_none`: lists of tags
    - `stages`, `languages`, `sources`: lists of allowed values
    - `score_min`, `score_max`: 0–100, inclusive
    - `email_opt_in`, `whatsapp_opt_in`, `sms_opt_in`: true/false
    - `last_activity_within_days`, `inactive_for_days`, `created_within_days`
    - `custom`: list of `{"field": <custom field key>, "op": eq|neq|contains|gt|gte|lt|lte|is_set|is_not_set,
      "value": …}`, values validated by the field's type

    Raises ValidationFailed with `details` keyed `definition.<key>`."""
    if definition in (None, ""):
        return {}
    if not isinstance(definition, Mapping):
        raise ValidationFailed(details={"definition": [_("Expected an object.")]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in definition.items():
        label = f"definition.{key}"
        try:
            if key in _LIST_KEYS:
                cleaned[key] = _clean_list(key, value)
            elif key in _INT_KEYS:
                low, high = _INT_KEYS[key]
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                    raise InvalidValue(_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
                cleaned[key] = value
            elif key in _BOOL_KEYS:
                if not isinstance(value, bool):
                    raise InvalidValue(_("Expected true or false."))
                cleaned[key] = value
            elif key == "custom":
                cleaned[key] = _clean_custom_conditions(value)
            else:
                raise InvalidValue(_("Unknown filter."))
        except InvalidValue as exc:
            errors[label] = [str(exc)]
    if "score_min" in cleaned and "score_max" in cleaned and cleaned["score_min"] > cleaned["score_max"]:
        errors["definition.score_min"] = [_("The minimum score is above the maximum.")]
    if errors:
        raise ValidationFailed(details=errors)
    return {key: cleaned[key] for key in sorted(cleaned) if cleaned[key] not in ([], None)}


def _clean_list(key: str, value) -> list[str]:
    if not isinstance(value, list) or len(value) > 50 or not all(isinstance(item, str) for item in value):
        raise InvalidValue(_("Expected a list of at most 50 texts."))
    if key.startswith("tags"):
        return normalize_tags(value)
    if key == "stages":
        return sorted({normalize_stage(item) for item in value if item.strip()})
    if key == "languages":
        return sorted({normalize_language(item) for item in value if item.strip()})
    return sorted({item.strip()[:50] for item in value if item.strip()})


def _clean_custom_conditions(value) -> list[dict]:
    if not isinstance(value, list) or len(value) > 20:
        raise InvalidValue(_("Expected a list of at most 20 conditions."))
    definitions = _definitions()
    conditions = []
    for condition in value:
        if not isinstance(condition, Mapping) or set(condition) - {"field", "op", "value"}:
            raise InvalidValue(_("Each condition has a field, an op and a value."))
        definition = definitions.get(condition.get("field"))
        if definition is None:
            raise InvalidValue(_("Unknown custom field: %(field)s.") % {"field": str(condition.get("field"))[:50]})
        op = condition.get("op", "eq")
        if op not in CUSTOM_OPS:
            raise InvalidValue(_("Unknown operator: %(op)s.") % {"op": str(op)[:20]})
        if op in _ORDERED_OPS and definition.type not in (CustomFieldType.NUMBER, CustomFieldType.DATE):
            raise InvalidValue(_("%(op)s needs a number or date field.") % {"op": op})
        if op == "contains" and definition.type != CustomFieldType.TEXT:
            raise InvalidValue(_("contains needs a text field."))
        cleaned = {"field": definition.key, "op": op}
        if op not in ("is_set", "is_not_set"):
            stored = clean_custom_value(definition, condition.get("value"))
            if stored is None:
                raise InvalidValue(_("A value is required."))
            cleaned["value"] = stored
        conditions.append(cleaned)
    return conditions


def segment_create(*, workspace, name: str, definition: Any, description: str = "", user=None) -> Segment:
    _require_scope(workspace)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(details={"name": [_("This field is required.")]})
    cleaned = segment_definition_validate(definition=definition)
    return Segment.objects.create(
        name=name[:100], description=(description or "").strip()[:500], definition=cleaned, created_by=user
    )


def segment_update(*, segment: Segment, data: Mapping[str, Any]) -> Segment:
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed(details={"name": [_("This field is required.")]})
        segment.name = name[:100]
    if "description" in data:
        segment.description = (data["description"] or "").strip()[:500]
    if "definition" in data:
        segment.definition = segment_definition_validate(definition=data["definition"])
    segment.save()
    return segment


def segment_delete(*, segment: Segment) -> None:
    segment.delete()


# --- imports ----------------------------------------------------------------------------------------


def _safe_file_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "contacts.csv"
    return re.sub(r"[\x00-\x1f\x7f]", "", base)[:255]


def import_upload(*, workspace, file, user=None) -> ContactImport:
    """Store an uploaded CSV (workspace-prefixed, UUID-named key in the
    default storage) and read its header. The import waits in `draft` for its
    column mapping (`suggested_mapping` is pre-filled from the header names).

    Raises PayloadTooLarge (413) over `IMPORT_MAX_BYTES`, ValidationFailed
    (400, code `invalid_file`) for an empty, non-UTF-8 or header-less file."""
    _require_scope(workspace)
    size = getattr(file, "size", None) or 0
    if size > IMPORT_MAX_BYTES:
        raise PayloadTooLarge(
            _("The file is larger than %(mb)d MB. Split it into smaller files.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            details={"limit": IMPORT_MAX_BYTES},
        )
    try:
        file.seek(0)
        columns, delimiter = csvio.read_header(file)
    except csvio.FileInvalid as exc:
        raise ValidationFailed(str(exc), code="invalid_file", details={"file": [str(exc)]}) from None
    file.seek(0)
    key = default_storage.save(f"crm/imports/{workspace.pk}/{uuid.uuid4().hex}.csv", file)
    return ContactImport.objects.create(
        file_name=_safe_file_name(getattr(file, "name", "")),
        file_size=size,
        file_key=key,
        columns=columns,
        delimiter=delimiter,
        mapping=importing.suggest_mapping(columns, CustomFieldDefinition.objects.all()),
        created_by=user,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


def _delete_files(contact_import: ContactImport) -> None:
    for key in (contact_import.file_key, contact_import.staged_key):
        if key:
            try:
                default_storage.delete(key)
            except OSError:  # pragma: no cover - storage hiccup; the nightly sweep retries nothing, log only
                logger.warning("Could not delete %s of import %s.", key, contact_import.pk)


def _fail(contact_import: ContactImport, *, code: str, message: str) -> None:
    _delete_files(contact_import)
    contact_import.status = ImportStatus.FAILED
    contact_import.error_code, contact_import.error_message = code, str(message)[:500]
    contact_import.finished_at = timezone.now()
    contact_import.save(update_fields=["status", "error_code", "error_message", "finished_at", "updated_at"])


def _back_to_draft(contact_import: ContactImport, result, exc: InsufficientCredits) -> None:
    """A refused charge on a page: the upload stays, the import is a draft again
    with its count and the reason, so a retry after a top-up needs no new upload."""
    if result.staged_key:
        try:
            default_storage.delete(result.staged_key)
        except OSError:  # pragma: no cover - storage hiccup; the retry writes a new staged file
            logger.warning("Could not delete %s of import %s.", result.staged_key, contact_import.pk)
    contact_import.status, contact_import.started_at = ImportStatus.DRAFT, None
    contact_import.total, contact_import.new_contacts = result.total, result.new_contacts
    contact_import.staged_records, contact_import.staged_key = 0, ""
    contact_import.error_code, contact_import.error_message = exc.code, str(exc.message)[:500]
    contact_import.save(
        update_fields=["status", "started_at", "total", "new_contacts", "staged_records", "staged_key",
                       "error_code", "error_message", "updated_at"]
    )  # fmt: skip


def import_start(
    *,
    contact_import: ContactImport,
    mapping: Mapping[str, str] | None = None,
    user=None,
    request=None,
    keep_on_refusal: bool = False,
) -> ContactImport:
    """Validate the mapping, run the first pass, charge, and queue the second.

    The first pass streams the whole file once (flat memory; see
    `crm.importing`), rejects bad lines and counts the contacts the import
    will create. That count is charged once — `crm` cost × new contacts —
    through the charge door, reserved now and committed when the import has
    run. Not enough credits → `InsufficientCredits` (402, needed/available),
    the import is marked failed and nothing is imported — or, with
    `keep_on_refusal` (the pages), it stays a draft with its upload, its
    count and the reason, to be started again after a top-up. A file that is
    unusable as a whole → ValidationFailed (`invalid_file`). Starting an
    import that is not a draft → Conflict."""
    workspace = contact_import.workspace
    _require_scope(workspace)
    with transaction.atomic():
        locked = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if locked.status != ImportStatus.DRAFT:
            raise Conflict(_("This import was already started."), code="import_already_started")
        definitions = list(CustomFieldDefinition.objects.all())
        try:
            cleaned = importing.validate_mapping(
                mapping if mapping is not None else locked.mapping,
                locked.columns,
                definitions,
                workspace.default_region,
            )
        except InvalidValue as exc:
            raise ValidationFailed(str(exc), details={"mapping": [str(exc)]}) from None
        locked.mapping, locked.status, locked.started_at = cleaned, ImportStatus.QUEUED, timezone.now()
        locked.save(update_fields=["mapping", "status", "started_at", "updated_at"])
    contact_import = locked

    try:
        result = importing.count_pass(contact_import, region=workspace.default_region)
    except csvio.FileInvalid as exc:
        _fail(contact_import, code="invalid_file", message=str(exc))
        raise ValidationFailed(str(exc), code="invalid_file", details={"file": [str(exc)]}) from None
    except BaseException:
        _fail(contact_import, code="server_error", message=_("The file could not be read."))
        raise
    contact_import.total = result.total
    contact_import.new_contacts = result.new_contacts
    contact_import.staged_records = result.staged_records
    contact_import.staged_key = result.staged_key
    if result.new_contacts:
        try:
            contact_import.charge_id = charge_reserve(
                workspace=workspace,
                user=user,
                module=CRM_MODULE,
                quantity=result.new_contacts,
                action="contacts_imported",
                idempotency_key=f"crm:import:{contact_import.pk}",
                reference=f"crm.import:{contact_import.pk}",
                metadata={"import_id": contact_import.pk},
                hold_seconds=IMPORT_HOLD_SECONDS,
            )
        except InsufficientCredits as exc:
            if keep_on_refusal:
                _back_to_draft(contact_import, result, exc)
                raise
            _fail(contact_import, code=exc.code, message=exc.message)
            contact_import.save(update_fields=["total", "new_contacts", "staged_records", "staged_key"])
            raise
        except BaseException:
            _fail(contact_import, code="charge_failed", message=_("The credits could not be reserved."))
            raise
        contact_import.credits_charged = (
            Charge.unscoped.filter(pk=contact_import.charge_id).values_list("credits", flat=True).first() or 0
        )
    contact_import.save(
        update_fields=[
            "total",
            "new_contacts",
            "staged_records",
            "staged_key",
            "charge_id",
            "credits_charged",
            "updated_at",
        ]
    )
    audit_record(
        action="crm.contacts.import_started",
        request=request,
        user=user,
        workspace=workspace,
        target=contact_import,
        metadata={
            "lines": result.total,
            "new_contacts": result.new_contacts,
            "rejected": result.rejected,
            "credits": contact_import.credits_charged,
        },
    )
    from crm.tasks import contact_import_run

    contact_import_run.delay_on_commit(workspace_id=workspace.pk, import_id=contact_import.pk)
    return contact_import


def import_run(*, import_id: int) -> ContactImport | None:
    """The second pass (the Celery job): apply the staged records, then
    commit the charge and delete the files. Safe to run twice and to resume
    after a crash: a finished import is left alone, a half-done one continues
    after its last committed chunk."""
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or contact_import.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return contact_import
    if contact_import.status == ImportStatus.QUEUED:
        ContactImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, updated_at=timezone.now()
        )

    def progress(done: int) -> None:  # the live progress bar
        notification_hooks.import_progress(workspace_id=contact_import.workspace_id, import_id=import_id, done=done,
                                           total=contact_import.staged_records)  # fmt: skip

    with translation.override(contact_import.language or settings.LANGUAGE_CODE):
        finished = importing.apply_pass(contact_import, on_progress=progress)
    if not finished:
        return contact_import  # another run of the same import carries on
    return _import_finish(import_id=import_id)


def _import_finish(*, import_id: int) -> ContactImport:
    with transaction.atomic():
        contact_import = ContactImport.objects.select_for_update().get(pk=import_id)
        if contact_import.status == ImportStatus.DONE:
            return contact_import
        contact_import.status, contact_import.finished_at = ImportStatus.DONE, timezone.now()
        contact_import.save(update_fields=["status", "finished_at", "updated_at"])
    notification_hooks.import_finished(contact_import=contact_import)
    if contact_import.charge_id:
        try:
            charge_commit(contact_import.charge_id, metadata={"created": contact_import.created})
        except Conflict:
            logger.error("Import %s finished after its charge was released.", import_id)
    extra = contact_import.created - contact_import.new_contacts
    if extra > 0:
        # Contacts counted as existing in pass 1 were deleted meanwhile: charge
        # the difference when possible, keep the contacts either way.
        try:
            with charge(
                workspace=contact_import.workspace,
                user=contact_import.created_by,
                module=CRM_MODULE,
                quantity=extra,
                action="contacts_imported",
                idempotency_key=f"crm:import:{import_id}:extra",
                reference=f"crm.import:{import_id}",
            ):
                pass
        except (InsufficientCredits, Conflict):
            logger.warning("Import %s created %s more contacts than counted; not charged.", import_id, extra)
    _delete_files(contact_import)
    audit_record(
        action="crm.contacts.imported",
        user=contact_import.created_by,
        workspace=contact_import.workspace,
        target=contact_import,
        metadata={
            "created": contact_import.created,
            "updated": contact_import.updated,
            "merged": contact_import.merged,
            "rejected": contact_import.rejected,
        },
    )
    return contact_import


def import_fail(*, import_id: int, code: str, message: str) -> None:
    """Give up on an import (the job failed for good). Chunks already applied
    stay, and so does their price: only the contacts it did not create are
    refunded (`charge_refund_units`), the rest of the charge is committed."""
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or contact_import.is_finished:
        return
    _fail(contact_import, code=code, message=message)
    notification_hooks.import_finished(contact_import=contact_import)  # the page's bar stops (no notification)
    if contact_import.charge_id:
        try:
            _settle_failed_import(contact_import, reason=code)
        except Conflict:
            logger.error("Import %s failed after its charge was committed.", import_id)


def _settle_failed_import(contact_import: ContactImport, *, reason: str) -> None:
    charged = Charge.unscoped.filter(pk=contact_import.charge_id).values_list("quantity", flat=True).first() or 0
    applied = min(contact_import.created or 0, charged)
    if not applied:
        charge_refund(contact_import.charge_id, reason=reason)
        return
    if charged > applied:
        key = f"import-failed:{contact_import.pk}"
        charge_refund_units(contact_import.charge_id, quantity=charged - applied, key=key, reason=reason)
    charge_commit(contact_import.charge_id, metadata={"created": applied, "failed": reason})


def imports_sweep_stale(*, now: datetime | None = None) -> int:
    """Nightly, across workspaces: fail imports stuck queued/running for a
    day (their worker and its retries are gone) and delete drafts nobody
    started. Returns how many were swept."""
    from nexusone.tenancy import workspace_scope

    now = now or timezone.now()
    cutoff = now - IMPORT_STALE_AFTER
    stale = ContactImport.unscoped.filter(
        Q(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DRAFT]), updated_at__lt=cutoff
    ).select_related("workspace")
    count = 0
    for contact_import in stale.iterator(chunk_size=200):
        with workspace_scope(contact_import.workspace):
            if contact_import.status == ImportStatus.DRAFT:
                _fail(contact_import, code="abandoned", message=_("The import was never started."))
            else:
                import_fail(import_id=contact_import.pk, code="stalled", message=_("The import stopped responding."))
        count += 1
    return count


# --- exports ---------------------------------------------------------------------------------------


def contacts_export_record(*, workspace, user=None, request=None, filters: Mapping | None = None, fmt: str) -> None:
    """Audit an export before it streams (exports are sensitive reads)."""
    audit_record(
        action="crm.contacts.exported",
        request=request,
        user=user,
        workspace=workspace,
        metadata={"filters": {k: str(v)[:100] for k, v in (filters or {}).items()}, "format": fmt},
    )
