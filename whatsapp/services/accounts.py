"""Connected numbers and their templates.

- `account_connect`: the plan's WhatsApp-number quota is checked under the
  billing account lock (two concurrent connects cannot both pass); with an
  access token the number is verified against the Cloud API first — the
  token must read `GET /{phone_number_id}` and the number must be listed by
  `GET /{waba_id}/phone_numbers` (a wrong token, id or WABA is a 400 and
  nothing is stored); without one it runs on the sandbox under an id of its
  own (`sandbox-…`), which Meta can never send. Webhooks route only to
  numbers whose token proved them, or to sandbox ids (`whatsapp.webhooks`),
  so nobody can claim another business's number first and read its inbox. A
  number held by an unproven (token-less) row is taken over by the account
  that proves it; one held by a proven account is a 409 that names no
  workspace. The token is encrypted at rest (`nexusone.crypto`), bound to the
  workspace; only its last 4 characters are ever shown. Templates are synced
  after commit.
- `account_update`: name, rate, bot switch, or a new token (verified the same way).
- Credentials are checked before anything uses them (`credential_clean`):
  visible ASCII only, at most 2,048 characters, else a 400 naming the field
  (a non-ASCII token cannot even be put in an `Authorization` header).
- `account_delete`: cancels the number's active broadcasts (refunding what was
  not sent) and removes the number; its history stays.
- `templates_sync`: upsert Meta's templates by (name, language); templates
  Meta no longer lists are marked deleted. `template_status_update` applies a
  `message_template_status_update` webhook.
"""

from __future__ import annotations

import secrets

from django.core.validators import RegexValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.quotas import quota_check_whatsapp_numbers, quota_lock
from nexusone.audit import audit_record
from nexusone.crypto import last4
from nexusone.errors import Conflict, ProviderError, ValidationFailed
from whatsapp.models import SANDBOX_PREFIX, Broadcast, MessageTemplate, WhatsAppAccount
from whatsapp.providers import ProviderFailure, provider_for
from whatsapp.providers.base import PhoneNumberInfo

CREDENTIAL_MAX_LENGTH = 2048


def sandbox_phone_number_id() -> str:
    """An id Meta never sends (Graph ids are digits): a sandbox number cannot
    receive another business's webhooks."""
    return f"{SANDBOX_PREFIX}{secrets.token_hex(8)}"


def credential_clean(value: str, *, field: str, max_length: int = CREDENTIAL_MAX_LENGTH) -> str:
    """A token or secret as a provider accepts it: visible ASCII, sane length."""
    value = (value or "").strip()
    if value and (len(value) > max_length or not all("!" <= ch <= "~" for ch in value)):
        raise ValidationFailed(details={field: [str(RegexValidator.message)]})
    return value


def _verify(*, phone_number_id: str, waba_id: str, access_token: str) -> PhoneNumberInfo:
    if not phone_number_id.isdigit():  # a sandbox id: Meta has no such number
        raise ValidationFailed(details={"phone_number_id": [_("Meta does not know this phone number ID.")]})
    from whatsapp.providers.cloud_api import CloudApiProvider  # httpx: at first use, not at boot (issue 19)

    provider = CloudApiProvider(phone_number_id=phone_number_id, waba_id=waba_id, access_token=access_token)
    try:
        info = provider.phone_number_info()
        in_waba = phone_number_id in provider.waba_phone_number_ids()
    except ProviderFailure as failure:
        if failure.reason in ("token_expired", "permission_denied"):
            raise ValidationFailed(
                details={"access_token": [_("Meta refused this access token for this number.")]}
            ) from failure
        if failure.reason == "invalid_request":
            raise ValidationFailed(
                details={"phone_number_id": [_("Meta does not know this phone number ID.")]}
            ) from failure
        raise ProviderError(_("WhatsApp could not be reached to verify the number. Try again.")) from failure
    if not in_waba:
        raise ValidationFailed(details={"phone_number_id": [_("Meta does not know this phone number ID.")]})
    return info


def _claim(phone_number_id: str) -> None:
    """Make room for a proven number: a row holding it without a token (never
    proven) gives it up and becomes a sandbox number; a proven holder wins."""
    holder = WhatsAppAccount.unscoped.select_for_update().filter(phone_number_id=phone_number_id).first()
    if holder is None:
        return
    if not holder.is_sandbox:
        # The same answer whoever holds it: no workspace is named.
        raise Conflict(_("This phone number is already connected to a workspace."), code="already_connected")
    WhatsAppAccount.unscoped.filter(pk=holder.pk).update(phone_number_id=sandbox_phone_number_id())


def account_connect(
    *,
    workspace,
    user,
    phone_number_id: str = "",
    waba_id: str = "",
    access_token: str = "",
    display_phone_number: str = "",
    name: str = "",
    request=None,
) -> WhatsAppAccount:
    access_token = credential_clean(access_token, field="access_token")
    info = PhoneNumberInfo(display_phone_number=display_phone_number)
    if access_token:
        info = _verify(phone_number_id=phone_number_id, waba_id=waba_id, access_token=access_token)
    else:
        phone_number_id = sandbox_phone_number_id()
    with transaction.atomic():
        quota_lock(workspace=workspace)
        quota_check_whatsapp_numbers(workspace=workspace, used=lambda: WhatsAppAccount.objects.count())
        _claim(phone_number_id)
        account = WhatsAppAccount(
            name=name,
            waba_id=waba_id,
            phone_number_id=phone_number_id,
            display_phone_number=info.display_phone_number or display_phone_number,
            verified_name=info.verified_name,
            quality_rating=info.quality_rating,
            access_token=access_token,
            access_token_last4=last4(access_token),
        )
        account.save()
        audit_record(
            action="whatsapp.account.connected",
            request=request,
            user=user if request is None else None,
            workspace=workspace,
            target=account,
            metadata={"phone_number_id": phone_number_id, "sandbox": not access_token},
        )
        from whatsapp.tasks import enqueue, templates_sync_task

        enqueue(templates_sync_task, workspace_id=workspace.pk, account_id=account.pk)
    return account


def account_update(*, workspace, account: WhatsAppAccount, data: dict, user=None, request=None) -> WhatsAppAccount:
    fields = []
    for name in ("name", "messages_per_second", "bot_enabled", "display_phone_number"):
        if name in data:
            setattr(account, name, data[name])
            fields.append(name)
    token_changed = "access_token" in data
    if token_changed:
        token = credential_clean(data["access_token"] or "", field="access_token")
        if token:
            info = _verify(phone_number_id=account.phone_number_id, waba_id=account.waba_id, access_token=token)
            account.display_phone_number = info.display_phone_number or account.display_phone_number
            account.verified_name = info.verified_name or account.verified_name
            fields += ["display_phone_number", "verified_name"]
        account.access_token, account.access_token_last4, account.last_error = token, last4(token), ""
        fields += ["access_token", "access_token_last4", "last_error"]
    if fields:
        account.save(update_fields=[*set(fields), "updated_at"])
    if token_changed:
        audit_record(
            action="whatsapp.account.token_changed",
            request=request,
            user=user if request is None else None,
            workspace=workspace,
            target=account,
            metadata={"sandbox": not data["access_token"]},
        )
    return account


def account_delete(*, workspace, account: WhatsAppAccount, user=None, request=None) -> None:
    from whatsapp.services.broadcasts import broadcast_cancel

    for broadcast in Broadcast.objects.filter(account=account, status__in=Broadcast.ACTIVE):
        try:
            broadcast_cancel(broadcast=broadcast, user=user, request=request)
        except Conflict:
            continue  # finished meanwhile
    audit_record(
        action="whatsapp.account.removed",
        request=request,
        user=user if request is None else None,
        workspace=workspace,
        target=account,
        metadata={"phone_number_id": account.phone_number_id},
    )
    account.delete()


def templates_sync(*, account: WhatsAppAccount) -> dict[str, int]:
    """Fetch the templates from Meta (or the sandbox) and store them."""
    try:
        templates = provider_for(account).list_templates()
    except ProviderFailure as failure:
        WhatsAppAccount.objects.filter(pk=account.pk).update(last_error=f"{failure.reason}: {failure.message}"[:255])
        raise ProviderError(
            _("The templates could not be fetched from WhatsApp (%(reason)s).") % {"reason": failure.reason}
        ) from failure
    now = timezone.now()
    seen, created, updated = set(), 0, 0
    known_statuses = set(MessageTemplate.Status.values)
    with transaction.atomic():
        for info in templates:
            if not info.name or not info.language:
                continue
            seen.add((info.name, info.language))
            _template, was_created = MessageTemplate.objects.update_or_create(
                account=account,
                name=info.name[:512],
                language=info.language[:16],
                defaults={
                    "external_id": info.external_id[:64],
                    "category": info.category[:32],
                    "status": info.status if info.status in known_statuses else MessageTemplate.Status.UNKNOWN,
                    "components": info.components,
                    "rejected_reason": info.rejected_reason if info.rejected_reason.upper() != "NONE" else "",
                    "synced_at": now,
                },
            )
            created += was_created
            updated += not was_created
        gone = [t.pk for t in MessageTemplate.objects.filter(account=account) if (t.name, t.language) not in seen]
        deleted = MessageTemplate.objects.filter(pk__in=gone).update(
            status=MessageTemplate.Status.DELETED, synced_at=now
        )
        WhatsAppAccount.objects.filter(pk=account.pk).update(templates_synced_at=now, last_error="")
    return {"created": created, "updated": updated, "deleted": deleted}


def template_status_update(*, accounts, value: dict) -> int:
    """A `message_template_status_update` webhook value: {"event", "message_template_id",
    "message_template_name", "message_template_language", "reason"}."""
    status = str(value.get("event", "")).upper()
    if status not in MessageTemplate.Status.values:
        return 0
    reason = str(value.get("reason") or "")
    changed = 0
    for account in accounts:
        templates = MessageTemplate.objects.filter(account=account)
        external_id = str(value.get("message_template_id", ""))
        match = templates.filter(external_id=external_id) if external_id else templates.none()
        if not match.exists():
            match = templates.filter(
                name=value.get("message_template_name", ""), language=value.get("message_template_language", "")
            )
        changed += match.update(
            status=status, rejected_reason="" if reason.upper() == "NONE" else reason[:255], synced_at=timezone.now()
        )
    return changed
