"""Notification writes: `notify()` (the one way any module tells people
something), reading, preferences and unsubscribing.

    from notifications.services import notify, page_link

    notify(
        workspace=workspace,
        kind="import_finished",                      # a key of notifications.kinds.KINDS
        params={"name": job.file_name, "created": 120, "updated": 3, "rejected": 2},
        link=page_link("crm_import", slug=workspace.slug, pk=job.pk),
        users=[job.created_by],                      # or roles=("owner", "admin"); default: the kind's roles
        dedup_key=f"import:{job.pk}",                # once per key, ever (per recipient)
    )

Contract:
- Recipients are members of `workspace` (explicit `users` who are not members
  are skipped) with one of `roles` (default: the kind's `roles`), active users only.
- Each recipient gets one `Notification` whose title and body are rendered in
  their `preferred_language`.
- `dedup_key` makes it once per key: "once per crossing" callers put the
  crossing in the key (`credits_low:<period start>`), "once per period"
  callers the period. Without a key every call notifies.
- After the surrounding transaction commits: a live `notification` event to
  each recipient's open pages, then one Celery task delivers e-mail (per
  recipient, if their preference for the kind allows, with a one-click
  unsubscribe link) and Slack (once per call, if the workspace has a Slack
  webhook and its preference for the kind allows). A failed e-mail or Slack
  post is retried by the task and never blocks or undoes the in-app row.
- `notify()` never raises for delivery problems; it raises `ValueError` for
  an unknown kind (a programming error).
- Returns the notifications created (empty when every recipient already had
  this key).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from nexusone import live
from nexusone.tenancy import workspace_scope
from notifications.kinds import get_kind
from notifications.models import EmailPreference, Notification, SlackPreference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


class _Params(dict):
    """Placeholder values; a missing one renders empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def _render(template, params: dict) -> str:
    values = _Params({key: str(value) for key, value in params.items()})  # lazy values render in the active language
    return str(template) % values


def page_link(viewname: str, **kwargs) -> str:
    """A page path without its language prefix (`/w/acme/crm/imports/3/`):
    each recipient opens it in their own language."""
    with translation.override("en"):
        path = reverse(viewname, kwargs=kwargs)
    return path.removeprefix("/en")


def localized_link(link: str, language: str) -> str:
    """The link as the recipient opens it: a page path gets their language prefix."""
    if link.startswith("/w/") or link == "/":
        return f"/{language}{link}"
    return link


def _recipients(*, workspace, users: Iterable | None, roles: Iterable[str]) -> list:
    memberships = Membership.objects.select_related("user").filter(workspace=workspace, user__is_active=True)
    if users is not None:
        memberships = memberships.filter(user__in=[getattr(u, "pk", u) for u in users if u is not None])
    else:
        memberships = memberships.filter(role__in=list(roles))
    return [membership.user for membership in memberships.order_by("user_id")]


def notify(
    *,
    workspace,
    kind: str,
    params: dict | None = None,
    link: str = "",
    users: Iterable | None = None,
    roles: Iterable[str] | None = None,
    dedup_key: str = "",
    data: dict | None = None,
) -> list[Notification]:
    """Notify the recipients of one event (see the module docstring)."""
    spec = get_kind(kind)
    params = params or {}
    created: list[Notification] = []
    with workspace_scope(workspace):
        for user in _recipients(workspace=workspace, users=users, roles=roles or spec.roles):
            language = user.preferred_language or "en"
            with translation.override(language):
                title, body = _render(spec.title, params), _render(spec.body, params)
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        workspace=workspace,
                        recipient=user,
                        kind=kind,
                        title=title[:200],
                        body=body,
                        link=link[:500],
                        level=spec.level,
                        language=language,
                        data=data or {},
                        dedup_key=dedup_key[:200],
                    )
            except IntegrityError:
                continue  # this recipient already had this key
            created.append(notification)
    if created:
        workspace_id, ids = workspace.pk, [n.pk for n in created]
        transaction.on_commit(lambda: _after_commit(workspace_id, ids))
    return created


def _after_commit(workspace_id: int, notification_ids: list[int]) -> None:
    from notifications.tasks import notifications_deliver

    rows = Notification.unscoped.filter(pk__in=notification_ids).values(
        "pk", "recipient_id", "kind", "title", "link", "level", "language"
    )
    for row in rows:
        unread = Notification.unscoped.filter(
            workspace_id=workspace_id, recipient_id=row["recipient_id"], read_at__isnull=True
        ).count()
        live.publish(
            workspace_id,
            "notification",
            {"id": row["pk"], "kind": row["kind"], "title": row["title"], "level": row["level"],
             "link": localized_link(row["link"], row["language"]), "unread": unread},
            user_id=row["recipient_id"],
        )  # fmt: skip
    try:
        notifications_deliver.delay(workspace_id=workspace_id, notification_ids=notification_ids)
    except Exception:  # the broker is down, or (eager) delivery failed: the in-app row stands
        logger.warning("notifications: delivery of %s could not be queued", notification_ids, exc_info=True)


# --- reading -------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, workspace, user) -> int:
    """Mark every unread notification of `user` in the active workspace read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# --- preferences ------------------------------------------------------------------------


def email_preference_set(*, user, kind: str, enabled: bool) -> None:
    get_kind(kind)
    EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": enabled})


def slack_preference_set(*, workspace, kind: str, enabled: bool) -> None:
    get_kind(kind)
    SlackPreference.objects.update_or_create(kind=kind, defaults={"enabled": enabled})


def unsubscribe_token(*, user, kind: str) -> str:
    """The signed token of a one-click unsubscribe link (no expiry: an old
    e-mail's link must keep working)."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a valid token, else None."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(payload["u"]), str(payload["k"])
        get_kind(kind)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return user_id, kind


def unsubscribe_apply(token: str) -> tuple[int, str] | None:
    """Turn the e-mail of the token's kind off for its user. Idempotent."""
    parsed = unsubscribe_read(token)
    if parsed is None:
        return None
    user_id, kind = parsed
    EmailPreference.objects.update_or_create(user_id=user_id, kind=kind, defaults={"email": False})
    return parsed
