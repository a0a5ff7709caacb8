"""Video projects: create (quota, then credits), cancel, delete, and the
staff actions retry and refund. The pipeline steps are in
`content.video.pipeline`; the Celery tasks in `content.video.tasks`.

Contract of `video_project_create`:
- Validate → the same Idempotency-Key made a project before? return it →
  plan quota `videos_per_month` (failed and canceled videos do not count;
  403 `quota_exceeded` with quota/limit/used) → reserve the `video_creator`
  cost (25) through the charge door under a key derived from the
  Idempotency-Key (402 when short) → count again and create the row under
  the quota lock (a lost race refunds the reservation and answers 403) →
  enqueue the pipeline after commit.
- The charge is committed when the video is stored and refunded exactly once
  on final failure, deadline or cancel (`video_project_fail`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import charging
from billing.models import Charge
from billing.quotas import quota_check_videos, quota_lock
from content.video import presenters
from content.video.models import VideoProject, VideoStyle
from content.video.providers.base import ERROR_MESSAGES
from medialib.models import MediaAsset
from nexusone import live, storage
from nexusone.audit import audit_record, register_action_labels
from nexusone.errors import Conflict, QuotaExceeded, ValidationFailed

logger = logging.getLogger(__name__)

MODULE_VIDEO = "video_creator"
MIN_SCRIPT, MAX_SCRIPT = 3, 5000  # D-ID needs 3 characters; ElevenLabs v3 takes 5,000 per request
LANGUAGES = ("en", "es", "pt", "ar", "he")
MAX_ATTEMPTS_PER_KEY = 5

register_action_labels(
    {
        "content.video.canceled": _("Video canceled"),
        "content.video.deleted": _("Video deleted"),
        "content.video.retried": _("Video retried"),
        "content.video.refunded": _("Video refunded"),
    }
)


def _month_start(now=None):
    now = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def videos_this_month() -> int:
    """Videos that count against the plan this calendar month (inside the scope)."""
    return (
        VideoProject.objects.filter(created_at__gte=_month_start())
        .exclude(status__in=(VideoProject.Status.FAILED, VideoProject.Status.CANCELED))
        .count()
    )


def _clean(*, script: str, language: str, style: str, title: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    script = (script or "").strip()
    if len(script) < MIN_SCRIPT:
        errors["script"] = [_("Write at least %(n)d characters.") % {"n": MIN_SCRIPT}]
    elif len(script) > MAX_SCRIPT:
        errors["script"] = [_("At most %(n)d characters.") % {"n": MAX_SCRIPT}]
    if language not in LANGUAGES:
        errors["language"] = [_("“%(value)s” is not a valid choice.") % {"value": language}]
    if style not in VideoStyle.values:
        errors["style"] = [_("“%(value)s” is not a valid choice.") % {"value": style}]
    title = (title or "").strip()
    if len(title) > 200:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 200}]
    if errors:
        raise ValidationFailed(details=errors)
    return script, title


def avatar_exists(avatar_id: str) -> bool:
    if not avatar_id or avatar_id in presenters.BY_ID:
        return True
    pk = avatar_id.removeprefix(presenters.PORTRAIT_PREFIX)
    return (
        avatar_id.startswith(presenters.PORTRAIT_PREFIX)
        and pk.isdigit()
        and MediaAsset.objects.filter(pk=int(pk), source="portrait").exists()
    )


def _reserve(*, workspace, user, idempotency_key: str | None, reference: str):
    """Reserve the video's credits; a refunded earlier attempt under the same
    client key does not block a retry (the next attempt gets `key#n`)."""
    hold = settings.VIDEO_DEADLINE_SECONDS + 900
    if not idempotency_key:
        return charging.charge_reserve(
            workspace=workspace,
            user=user,
            module=MODULE_VIDEO,
            action="generate",
            reference=reference,
            hold_seconds=hold,
        )
    base = f"video:{idempotency_key[:150]}"
    for key in [base] + [f"{base}#{n}" for n in range(2, MAX_ATTEMPTS_PER_KEY + 1)]:
        charge_id = charging.charge_reserve(
            workspace=workspace,
            user=user,
            module=MODULE_VIDEO,
            action="generate",
            idempotency_key=key,
            reference=reference,
            hold_seconds=hold,
        )
        status = Charge.unscoped.filter(pk=charge_id).values_list("status", flat=True).first()
        if status != Charge.Status.REFUNDED:
            return charge_id
    raise Conflict(
        _("This Idempotency-Key failed too many times. Retry with a new key."), code="idempotency_attempts_exhausted"
    )


def video_project_create(
    *,
    workspace,
    user,
    script: str,
    language: str,
    style: str = VideoStyle.PROFESSIONAL,
    voice_id: str = "",
    avatar_id: str = "",
    title: str = "",
    idempotency_key: str | None = None,
) -> VideoProject:
    """Queue an avatar video (module `video_creator`, 25 credits, plan quota)."""
    script, title = _clean(script=script, language=language, style=style, title=title)
    if len(voice_id or "") > 64 or (voice_id and not voice_id.replace("-", "").replace("_", "").isalnum()):
        raise ValidationFailed(details={"voice_id": [_("Not a voice of this workspace.")]})
    if not avatar_exists(avatar_id or ""):
        raise ValidationFailed(details={"avatar_id": [_("Not a presenter of this workspace.")]})
    if idempotency_key:
        existing = VideoProject.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    quota_check_videos(workspace=workspace, used=videos_this_month)

    actor = user if getattr(user, "is_authenticated", False) else None
    charge_id = _reserve(workspace=workspace, user=actor, idempotency_key=idempotency_key, reference="video")
    over_quota: QuotaExceeded | None = None
    project = None
    with transaction.atomic():
        quota_lock(workspace=workspace)
        project = VideoProject.objects.filter(charge_id=charge_id).first()  # a retry after a crash
        if project is None:
            try:
                quota_check_videos(workspace=workspace, used=videos_this_month)
            except QuotaExceeded as exc:
                over_quota = exc
            else:
                now = timezone.now()
                credits = Charge.unscoped.filter(pk=charge_id).values_list("credits", flat=True).first() or 0
                project = VideoProject.objects.create(
                    workspace=workspace,
                    created_by=actor,
                    title=title,
                    script=script,
                    language=language,
                    style=style,
                    voice_id=voice_id or "",
                    avatar_id=avatar_id or presenters.DEFAULT.avatar_id,
                    charge_id=charge_id,
                    credits_charged=credits,
                    idempotency_key=idempotency_key or "",
                    deadline_at=now + timedelta(seconds=settings.VIDEO_DEADLINE_SECONDS),
                )
                _enqueue_run(project)
    if over_quota is not None:
        charging.charge_refund(charge_id, reason="quota_exceeded")
        raise over_quota
    return project


def _enqueue_run(project: VideoProject) -> None:
    from content.video.tasks import video_project_run

    project_id, workspace_id = project.pk, project.workspace_id
    transaction.on_commit(lambda: video_project_run.delay(project_id=project_id, workspace_id=workspace_id))


# --- ending a job ------------------------------------------------------------------------------


def video_project_fail(*, project: VideoProject, code: str, message: str = "", details: dict | None = None) -> bool:
    """Mark the job failed (or canceled) and refund its charge — once. Returns
    False if the job had already ended (a late duplicate changes nothing)."""
    status = VideoProject.Status.CANCELED if code == "canceled" else VideoProject.Status.FAILED
    now = timezone.now()
    changed = (
        VideoProject.objects.filter(pk=project.pk)
        .exclude(status__in=VideoProject.TERMINAL)
        .update(
            status=status,
            error_code=code,
            error_message=str(message or ERROR_MESSAGES.get(code, ""))[:2000],
            finished_at=now,
            lease_until=None,
            next_poll_at=None,
            updated_at=now,
            metadata={**project.metadata, **({"error": details} if details else {})},
        )
    )
    if not changed:
        return False
    if project.charge_id:
        try:
            charging.charge_refund(project.charge_id, reason=code)
        except Conflict:  # committed: the video was stored before the failure was noticed
            logger.warning("video %s failed after its charge was committed", project.pk)
    project.refresh_from_db()
    publish_state(project)
    _notify(project)
    return True


def publish_state(project: VideoProject) -> None:
    """The job's progress to the workspace's open pages (`nexusone.live`); pages poll when the stream is down."""
    live.publish_progress(
        project.workspace_id,
        job="video",
        object_id=project.pk,
        done=project.progress,
        total=100,
        status=project.status,
        stage=project.stage,
    )


def _notify(project: VideoProject) -> None:
    """Tell the member who asked (else the workspace's contributors) that the
    video is ready or failed — once per job and outcome. Canceling needs no news."""
    from notifications.services import notify, page_link

    if project.status not in (VideoProject.Status.COMPLETED, VideoProject.Status.FAILED):
        return
    completed = project.status == VideoProject.Status.COMPLETED
    if completed:
        from webhooks.hooks import video_completed

        video_completed(project)
    notify(
        workspace=project.workspace,
        kind="video_ready" if completed else "video_failed",
        params={"title": project.title or project.script[:60], "reason": project.error_message},
        link=page_link("video_detail", slug=project.workspace.slug, pk=project.pk),
        users=[project.created_by] if project.created_by_id else None,
        dedup_key=f"video:{project.pk}:{project.attempts}:{project.status}",
    )


def video_project_cancel(*, project: VideoProject, user=None, request=None) -> VideoProject:
    if project.is_terminal:
        raise Conflict(_("This video has already finished."), code="video_finished", details={"status": project.status})
    if video_project_fail(project=project, code="canceled"):
        audit_record(
            action="content.video.canceled", request=request, user=user, workspace=project.workspace, target=project
        )
    project.refresh_from_db()
    return project


def video_project_delete(*, project: VideoProject, user=None, request=None) -> None:
    """Delete the job and its files; a running job is canceled (and refunded) first."""
    if not project.is_terminal:
        video_project_fail(project=project, code="canceled")
    assets = [a for a in (project.video_asset, project.thumbnail_asset, project.voice_asset) if a is not None]
    audit_record(
        action="content.video.deleted",
        request=request,
        user=user,
        workspace=project.workspace,
        target=project,
        metadata={"status": project.status},
    )
    with transaction.atomic():
        project.delete()
        for asset in assets:
            storage.delete(asset)


def video_project_retry(*, project: VideoProject, user=None, request=None) -> VideoProject:
    """Staff: run a failed job again, with a new reservation (its first one was refunded)."""
    if project.status != VideoProject.Status.FAILED:
        raise Conflict(_("Only a failed video can be retried."), code="video_not_failed")
    attempt = project.attempts + 1
    charge_id = charging.charge_reserve(
        workspace=project.workspace,
        user=project.created_by,
        module=MODULE_VIDEO,
        action="generate",
        idempotency_key=f"video-retry:{project.pk}:{attempt}",
        reference="video",
        hold_seconds=settings.VIDEO_DEADLINE_SECONDS + 900,
    )
    now = timezone.now()
    with transaction.atomic():
        VideoProject.objects.filter(pk=project.pk).update(
            status=VideoProject.Status.QUEUED,
            stage="",
            progress=0,
            error_code="",
            error_message="",
            charge_id=charge_id,
            attempts=attempt,
            polls=0,
            talk_id="",
            next_poll_at=None,
            lease_until=None,
            finished_at=None,
            deadline_at=now + timedelta(seconds=settings.VIDEO_DEADLINE_SECONDS),
            updated_at=now,
        )
        audit_record(
            action="content.video.retried", request=request, user=user, workspace=project.workspace, target=project
        )
        project.refresh_from_db()
        _enqueue_run(project)
    return project


def video_project_refund(*, project: VideoProject, user=None, request=None) -> bool:
    """Staff: give a job's credits back. A reserved charge is refunded through
    the charge door (the job is failed); a committed one (the video was made
    but is unusable) is returned as an audited adjustment."""
    if not project.charge_id:
        return False
    status = Charge.unscoped.filter(pk=project.charge_id).values_list("status", flat=True).first()
    if status == Charge.Status.REFUNDED:
        return False
    if status == Charge.Status.RESERVED:
        if not video_project_fail(project=project, code="provider_failed", message=_("Refunded by support.")):
            charging.charge_refund(project.charge_id, reason="staff_refund")
    else:
        from billing.services import credits_adjust

        if project.metadata.get("staff_refund"):
            return False
        credits_adjust(
            workspace=project.workspace,
            amount=project.credits_charged,
            reason=f"video {project.pk}",
            actor=user,
            request=request,
        )
        VideoProject.objects.filter(pk=project.pk).update(metadata={**project.metadata, "staff_refund": True})
    audit_record(
        action="content.video.refunded",
        request=request,
        user=user,
        workspace=project.workspace,
        target=project,
        metadata={"credits": project.credits_charged},
    )
    return True
