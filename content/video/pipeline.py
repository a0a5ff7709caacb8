"""The video pipeline's steps. Each is idempotent and resumable: it takes the
job's lease (one worker at a time), looks at what is already done (voice
track stored? talk created? video stored?) and does only the next thing.

Real path (a D-ID key is configured): ElevenLabs voice → stored in
`ai-generated` → D-ID talk with that audio, the portrait and our webhook →
completion by webhook or by polling (beat, with backoff; the first poll
within 30 s) → `result_url` downloaded into `video-assets` → thumbnail →
charge committed. Without ElevenLabs the talk uses D-ID's own voices.
Offline path (no D-ID key): the local renderer makes the MP4.
"""

from __future__ import annotations

import io
import logging
import tempfile
from datetime import timedelta

import av
from django.conf import settings
from django.core.files import File
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing import charging
from content.video import presenters
from content.video.models import VideoProject
from content.video.providers.base import VideoProviderError
from content.video.providers.credentials import video_keys
from content.video.providers.did import DIDClient
from content.video.providers.elevenlabs import ElevenLabsClient
from content.video.render import RenderRequest, render_video
from content.video.services import _notify, publish_state, video_project_fail
from medialib.models import MediaAsset
from nexusone import storage
from nexusone.errors import Conflict, ProviderError

logger = logging.getLogger(__name__)
LEASE_SECONDS = 600


# --- lease and bookkeeping ------------------------------------------------------------------------


def _lease(project_id: int) -> VideoProject | None:
    now = timezone.now()
    taken = (
        VideoProject.objects.filter(pk=project_id)
        .exclude(status__in=VideoProject.TERMINAL)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=LEASE_SECONDS))
    )
    return VideoProject.objects.filter(pk=project_id).first() if taken else None


def _release(project: VideoProject) -> None:
    VideoProject.objects.filter(pk=project.pk).update(lease_until=None)


def _set(project: VideoProject, **fields) -> None:
    for name, value in fields.items():
        setattr(project, name, value)
    VideoProject.objects.filter(pk=project.pk).exclude(status__in=VideoProject.TERMINAL).update(
        **fields, updated_at=timezone.now()
    )
    _publish(project)


def _publish(project: VideoProject) -> None:
    publish_state(project)


def _portrait(project: VideoProject) -> tuple[bytes, str]:
    """The presenter's image bytes and the absolute URL a provider can fetch."""
    if project.avatar_id.startswith(presenters.PORTRAIT_PREFIX):
        pk = project.avatar_id.removeprefix(presenters.PORTRAIT_PREFIX)
        asset = MediaAsset.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if asset is not None:
            return storage.read_bytes(asset), storage.provider_url(asset)
    presenter = presenters.BY_ID.get(project.avatar_id, presenters.DEFAULT)
    return presenters.presenter_png(presenter.slug), presenters.presenter_url(presenter, absolute=True)


def _fail(project: VideoProject, error: Exception) -> None:
    if isinstance(error, VideoProviderError):
        video_project_fail(
            project=project,
            code=error.code,
            message=str(error.message),
            details={"provider": error.provider, "status": error.status, "description": error.description},
        )
    else:
        video_project_fail(project=project, code="provider_failed", details={"reason": type(error).__name__})


def _retryable(error: Exception) -> bool:
    if isinstance(error, VideoProviderError):
        return error.retryable
    return isinstance(error, ProviderError)  # timeouts, unreachable: the tick runs the step again


# --- run: start the job -----------------------------------------------------------------------------


def run(project_id: int) -> str:
    """Start or resume a job. Returns what happened (for logs and tests)."""
    project = _lease(project_id)
    if project is None:
        return "busy_or_finished"
    try:
        keys = video_keys(workspace=project.workspace)
        if project.status == VideoProject.Status.QUEUED:
            _set(
                project,
                status=VideoProject.Status.PROCESSING,
                started_at=timezone.now(),
                progress=5,
                provider="offline" if keys.offline else "d-id",
            )
        if project.provider == "offline":
            _render_offline(project)
            return "rendered"
        if project.talk_id:
            return "waiting_for_talk"
        _start_talk(project, keys)
        return "talk_started"
    except Exception as error:
        if _retryable(error):
            logger.warning("video %s: retryable provider error, the tick resumes it: %s", project.pk, error)
            _set(project, metadata={**project.metadata, "last_error": str(error)[:300]})
            return "retry_later"
        if not isinstance(error, VideoProviderError | ProviderError):
            logger.exception("video %s failed", project.pk)
        _fail(project, error)
        return "failed"
    finally:
        _release(project)


def _render_offline(project: VideoProject) -> None:
    if project.video_asset_id is None:
        _set(project, stage=VideoProject.Stage.AVATAR, progress=20)
        portrait, _url = _portrait(project)
        with translation.override(project.language):
            label = _("Offline preview")
        with tempfile.NamedTemporaryFile(suffix=".mp4") as output:
            result = render_video(
                RenderRequest(
                    script=project.script,
                    language=project.language,
                    style=project.style,
                    portrait=portrait,
                    title=project.title,
                    label=label,
                ),
                output.name,
            )
            _set(project, stage=VideoProject.Stage.STORING, progress=80)
            with open(output.name, "rb") as handle:
                _store_video(
                    project,
                    File(handle),
                    thumbnail=result.thumbnail_jpeg,
                    duration=result.duration_seconds,
                    width=result.width,
                    height=result.height,
                )
    _complete(project)


def _start_talk(project: VideoProject, keys) -> None:
    audio_url = ""
    if keys.elevenlabs:
        if project.voice_asset_id is None:
            _set(project, stage=VideoProject.Stage.VOICE, progress=10)
            speech = ElevenLabsClient(keys.elevenlabs).text_to_speech(
                text=project.script, voice_id=project.voice_id, language=project.language
            )
            asset = storage.store(
                workspace=project.workspace,
                bucket=storage.Bucket.AI_GENERATED,
                content=speech.audio,
                extension=speech.extension,
                content_type=speech.content_type,
                name=f"video-{project.pk}-voice.mp3",
                source="voice_track",
                expires_at=timezone.now() + timedelta(days=settings.VIDEO_VOICE_TRACK_DAYS),
                metadata={"model_id": speech.model_id, "request_id": speech.request_id, "video": project.pk},
            )
            _set(project, voice_asset=asset, voice_provider="elevenlabs", voice_model=speech.model_id, progress=35)
        audio_url = storage.provider_url(project.voice_asset)
    _set(project, stage=VideoProject.Stage.AVATAR, progress=40)
    _image, source_url = _portrait(project)
    talk_id = DIDClient(keys.did).create_talk(
        source_url=source_url,
        audio_url=audio_url,
        text=project.script,
        language=project.language,
        webhook=f"{settings.SITE_URL}/webhooks/d-id/{project.webhook_token}",
        user_data=f"video:{project.pk}",
        name=(project.title or f"video {project.pk}"),
    )
    _set(
        project,
        talk_id=talk_id,
        progress=50,
        next_poll_at=timezone.now() + timedelta(seconds=settings.VIDEO_FIRST_POLL_SECONDS),
    )


# --- check: a talk may have finished ---------------------------------------------------------------


def _next_poll_delay(polls: int) -> int:
    return min(settings.VIDEO_POLL_MAX_SECONDS, settings.VIDEO_FIRST_POLL_SECONDS * 2 ** max(0, polls - 1))


def check_talk(project_id: int) -> str:
    """Re-read the talk from D-ID (webhook bodies are not trusted) and act on
    its status. Safe to run any number of times."""
    project = _lease(project_id)
    if project is None:
        return "busy_or_finished"
    try:
        if not project.talk_id:
            return "no_talk"
        keys = video_keys(workspace=project.workspace)
        if project.video_asset_id is None:
            if not keys.did:
                raise VideoProviderError("provider_auth_failed", provider="d-id", description="no D-ID key")
            client = DIDClient(keys.did)
            talk = client.get_talk(project.talk_id)
            if talk.status in ("error", "rejected"):
                code = "content_rejected" if talk.status == "rejected" else "provider_failed"
                raise VideoProviderError(
                    code,
                    provider="d-id",
                    description=" — ".join(x for x in (talk.error_kind, talk.error_description) if x),
                )
            if not talk.finished or not talk.result_url:
                polls = project.polls + 1
                _set(
                    project,
                    polls=polls,
                    progress=min(75, 50 + 5 * polls),
                    next_poll_at=timezone.now() + timedelta(seconds=_next_poll_delay(polls)),
                )
                return "running"
            _set(project, stage=VideoProject.Stage.STORING, progress=80, next_poll_at=None)
            with tempfile.NamedTemporaryFile(suffix=".mp4") as download:
                client.download(talk.result_url, download)
                download.flush()
                download.seek(0)
                thumbnail, duration, width, height = _probe(download.name)
                download.seek(0)
                _store_video(
                    project,
                    File(download),
                    thumbnail=thumbnail,
                    duration=talk.duration or duration,
                    width=width,
                    height=height,
                )
        _complete(project)
        return "completed"
    except Exception as error:
        if _retryable(error):
            polls = project.polls + 1
            _set(
                project,
                polls=polls,
                next_poll_at=timezone.now() + timedelta(seconds=_next_poll_delay(polls)),
                metadata={**project.metadata, "last_error": str(error)[:300]},
            )
            return "retry_later"
        if not isinstance(error, VideoProviderError | ProviderError):
            logger.exception("video %s failed while storing", project.pk)
        _fail(project, error)
        return "failed"
    finally:
        _release(project)


def _probe(path: str) -> tuple[bytes, float | None, int | None, int | None]:
    """First frame as a JPEG thumbnail, duration and size of a downloaded MP4."""
    try:
        with av.open(path) as container:
            duration = float(container.duration / av.time_base) if container.duration else None
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                image = frame.to_image()
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG", quality=85)
                return buffer.getvalue(), duration, image.width, image.height
    except (av.error.FFmpegError, IndexError) as exc:
        reason = f"not a playable video: {exc}"
        raise VideoProviderError("download_failed", provider="d-id", description=reason) from exc
    raise VideoProviderError("download_failed", provider="d-id", description="no video frames")


# --- storing and completing -------------------------------------------------------------------------


def _store_video(
    project: VideoProject,
    content: File,
    *,
    thumbnail: bytes,
    duration: float | None,
    width: int | None,
    height: int | None,
) -> None:
    video = storage.store(
        workspace=project.workspace,
        bucket=storage.Bucket.VIDEO_ASSETS,
        content=content,
        extension="mp4",
        content_type="video/mp4",
        name=f"{(project.title or 'video')[:80]}.mp4",
        source="video",
        duration_seconds=duration,
        width=width,
        height=height,
        metadata={"video": project.pk},
    )
    thumb = storage.store(
        workspace=project.workspace,
        bucket=storage.Bucket.VIDEO_ASSETS,
        content=thumbnail,
        extension="jpg",
        content_type="image/jpeg",
        name=f"{(project.title or 'video')[:80]}.jpg",
        source="thumbnail",
        width=width,
        height=height,
        metadata={"video": project.pk},
    )
    _set(project, video_asset=video, thumbnail_asset=thumb, duration_seconds=duration, progress=95)


def _complete(project: VideoProject) -> None:
    """Commit the charge, then mark the job done (a crash between the two is
    resumed: committing is idempotent)."""
    if project.charge_id:
        try:
            charging.charge_commit(
                project.charge_id, metadata={"provider": project.provider, "duration": project.duration_seconds}
            )
        except Conflict:
            # Refunded meanwhile (canceled, or the reaper): the job ends as that decided.
            logger.warning("video %s: charge already refunded, not completing", project.pk)
            return
    now = timezone.now()
    done = (
        VideoProject.objects.filter(pk=project.pk)
        .exclude(status__in=VideoProject.TERMINAL)
        .update(
            status=VideoProject.Status.COMPLETED,
            progress=100,
            finished_at=now,
            next_poll_at=None,
            error_code="",
            error_message="",
            updated_at=now,
        )
    )
    if done:
        project.refresh_from_db()
        publish_state(project)
        _notify(project)


# --- the tick: polling, stalled jobs, deadlines ----------------------------------------------------


def due_for_poll(now=None) -> list[tuple[int, int]]:
    now = now or timezone.now()
    return list(
        VideoProject.unscoped.filter(status=VideoProject.Status.PROCESSING, next_poll_at__lte=now)
        .exclude(talk_id="")
        .values_list("pk", "workspace_id")[:200]
    )


def stalled(now=None) -> list[tuple[int, int]]:
    """Jobs whose start was lost (broker down, worker died) or hit a passing provider error."""
    now = now or timezone.now()
    return list(
        VideoProject.unscoped.filter(
            status__in=(VideoProject.Status.QUEUED, VideoProject.Status.PROCESSING),
            talk_id="",
            updated_at__lt=now - timedelta(seconds=settings.VIDEO_STALL_SECONDS),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", "workspace_id")[:200]
    )


def past_deadline(now=None) -> list[VideoProject]:
    now = now or timezone.now()
    return list(
        VideoProject.unscoped.filter(deadline_at__lt=now)
        .exclude(status__in=VideoProject.TERMINAL)
        .select_related("workspace")[:200]
    )
