"""`POST /webhooks/d-id/<token>` — D-ID calls it when a talk finishes.

D-ID does not sign webhooks, so nothing in the body is believed: the
unguessable per-job token in the path names the job (unknown token → 404,
like any missing page), and the talk is re-read with `GET /talks/{id}` in a
task before anything changes. Duplicate deliveries re-read the same finished
talk and change nothing the second time. Public by design (reviewed).
"""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from content.video.models import VideoProject


@csrf_exempt
@require_POST
def did_webhook(request, token: str):
    project = (
        VideoProject.unscoped.filter(webhook_token=token).values("pk", "workspace_id", "status", "talk_id").first()
        if 20 <= len(token) <= 64
        else None
    )
    if project is None:
        return JsonResponse({"error": {"code": "not_found", "message": "Not found.", "details": {}}}, status=404)
    if project["status"] not in VideoProject.TERMINAL and project["talk_id"]:
        from content.video.tasks import video_talk_check

        transaction.on_commit(
            lambda: video_talk_check.delay(project_id=project["pk"], workspace_id=project["workspace_id"])
        )
    return JsonResponse({"received": True})
