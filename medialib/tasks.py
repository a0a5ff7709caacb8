"""Media beat tasks."""

from __future__ import annotations

from medialib import services
from nexusone.jobs import shared_task


@shared_task(name="medialib.tasks.media_cleanup", acks_late=True)
def media_cleanup() -> dict[str, int]:
    """Delete expired files and orphaned objects (safe to run twice)."""
    return services.media_cleanup()
