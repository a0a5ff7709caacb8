"""Content's Celery tasks, found by Celery's autodiscovery (`<app>.tasks`).
The video tasks live with the video pipeline."""

from content.video.tasks import video_project_run, video_talk_check, video_tick  # noqa: F401
