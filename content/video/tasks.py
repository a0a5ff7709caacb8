"""Video Celery tasks: ids in, one pipeline step, safe to run twice.

`video_tick` (beat, every `VIDEO_TICK_SECONDS`) polls talks that are due
(webhooks may never come), resumes stalled jobs and fails — and refunds —
jobs past their deadline.
"""

from __future__ import annotations

import logging

from content.video import pipeline
from content.video.services import video_project_fail
from nexusone.jobs import shared_task
from nexusone.tasks import workspace_task
from nexusone.tenancy import workspace_scope

logger = logging.getLogger(__name__)


@workspace_task(name="content.video.tasks.video_project_run")
def video_project_run(*, project_id: int, workspace_id: int) -> str:
    return pipeline.run(project_id)


@workspace_task(name="content.video.tasks.video_talk_check")
def video_talk_check(*, project_id: int, workspace_id: int) -> str:
    return pipeline.check_talk(project_id)


@shared_task(name="content.video.tasks.video_tick", acks_late=True)
def video_tick() -> dict[str, int]:
    polled = stalled = reaped = 0
    for project_id, workspace_id in pipeline.due_for_poll():
        video_talk_check.delay(project_id=project_id, workspace_id=workspace_id)
        polled += 1
    for project_id, workspace_id in pipeline.stalled():
        video_project_run.delay(project_id=project_id, workspace_id=workspace_id)
        stalled += 1
    for project in pipeline.past_deadline():
        with workspace_scope(project.workspace):
            reaped += video_project_fail(project=project, code="deadline_exceeded")
    return {"polled": polled, "resumed": stalled, "reaped": reaped}
