"""Contact writes: create, update, delete, bulk changes, merges, activities and form leads."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.charging import charge
from crm import scoring
from crm.models import (
    SYSTEM_ACTIVITY_TYPES,
    Activity,
    ActivityType,
    Contact,
    Stage,
)
from crm.services.common import CRM_MODULE, _definitions, _require_scope
from crm.validation import (
    InvalidValue,
    apply_custom_fields,
    clean_custom_fields,
    merge_tags,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_stage,
    normalize_tags,
    normalize_timezone,
    parse_bool,
)
from nexusone.audit import audit_record
from nexusone.errors import Conflict, NotFound, ValidationFailed
from webhooks import hooks as webhook_hooks

logger = logging.getLogger(__name__)
MAX_PAYLOAD_BYTES = 16 * 1024

# --- contacts ------------------------------------------------------------------------------------

_TEXT_LIMITS = {"first_name": 100, "last_name": 100, "company": 200, "source": 50}


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
