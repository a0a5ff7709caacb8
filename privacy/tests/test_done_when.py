"""Issue 15's "done when", end to end through the API: a workspace with
contacts, pages, a broadcast, a video and an order exports to a ZIP holding
all of it (counted per model); erasing a contact removes that person from
every module; deleting the workspace leaves nothing after the purge.
(`webhooks/tests/test_webhooks.py` drives the signed `contact.created` to a
local receiver, verified by the `standardwebhooks` library, and its retry.)

Run with `-s` to see the figures."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.db.models import CharField, JSONField, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from agents.models import Message as AgentMessage
from agents.tests.factories import make_conversation as make_agent_conversation
from campaigns.tests.factories import make_graph_event
from commerce.tests.factories import make_order
from content.models import LandingPageSubmission
from content.tests.factories import make_landing_page, make_video_project
from medialib.tests.factories import make_asset
from nexusone import storage
from nexusone.personal_data import contact_holdings
from privacy import services
from privacy.tests.test_workspace import _rows_with_workspace
from whatsapp.models import Message as WhatsAppMessage
from whatsapp.tests.factories import make_broadcast, make_conversation

pytestmark = pytest.mark.django_db

EMAIL, PHONE = "jane.roe@example.test", "+14155550199"


def _traces_of_jane(workspace_id: int) -> list[str]:
    """Every model with a text or JSON column holding Jane's e-mail or phone."""
    found = []
    for model in apps.get_models():
        columns = [f.name for f in model._meta.concrete_fields if isinstance(f, CharField | TextField | JSONField)]
        if not columns or not any(f.name == "workspace" for f in model._meta.concrete_fields):
            continue
        rows = model._base_manager.filter(workspace_id=workspace_id)
        casts = {f"_t_{name}": Cast(name, TextField()) for name in columns}
        q = Q()
        for alias in casts:
            q |= Q(**{f"{alias}__icontains": "jane.roe"}) | Q(**{f"{alias}__icontains": PHONE[2:]})
        if rows.annotate(**casts).filter(q).exists():
            found.append(model._meta.label)
    return found


def test_a_new_users_workspace_exports_erases_and_purges(world):
    a, b = world["A"], world["B"]
    ws = a.workspace
    admin = a.client("admin")
    # Contacts, as a user adds them.
    ids = []
    for first, email, phone in (("Jane", EMAIL, PHONE), ("Omar", "omar@example.test", ""), ("Li", "", "")):
        response = admin.post("/api/v1/crm/contacts/", {"first_name": first, "email": email, "phone": phone})
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    jane = ids[0]
    # Pages (one with Jane's form submission), a broadcast, a video with its file, an order of Jane's.
    page = make_landing_page(ws)
    make_landing_page(ws)
    LandingPageSubmission.unscoped.create(
        workspace=ws, page=page, fingerprint="e" * 64, name="Jane Roe", email=EMAIL, phone=PHONE,
        message="Please call", crm_contact_id=jane,
    )  # fmt: skip
    make_broadcast(ws)
    video = make_asset(ws, bucket="video-assets", content=b"\x00\x00\x00\x18ftypmp42", extension="mp4",
                       content_type="video/mp4", name="launch.mp4", source="video")  # fmt: skip
    make_video_project(ws, status="completed", video_asset=video)
    make_order(ws, contact_id=jane, customer_name="Jane Roe", customer_email=EMAIL)
    # Jane in WhatsApp, an agent chat and a lead ad.
    conversation = make_conversation(ws, phone=PHONE, profile_name="Jane", contact_id=jane)
    WhatsAppMessage.unscoped.create(
        workspace=ws, conversation=conversation, contact_id=jane, direction="inbound", from_number=PHONE,
        body="Hi, Jane here", status="received",
    )  # fmt: skip
    chat = make_agent_conversation(ws, contact_id=jane)
    AgentMessage.unscoped.create(workspace=ws, conversation=chat, role="user", content=f"I am Jane, {EMAIL}")
    make_graph_event(ws, contact_id=jane, payload={"field_data": [{"name": "email", "values": [EMAIL]}]})

    # 1. Export: a ZIP holding all of it, counted per model.
    started = a.client("owner").post("/api/v1/workspace/export")
    assert started.status_code == 202, started.content
    export = services.export_run(export_id=started.json()["id"])  # the task's body
    body = admin.get("/api/v1/workspace/export").json()
    assert body["status"] == "ready" and body["download_url"]
    archive = zipfile.ZipFile(io.BytesIO(storage.read_bytes(export.asset)))
    figures = {}
    for label, expected in (
        ("crm.Contact", 3), ("content.LandingPage", 2), ("content.LandingPageSubmission", 1),
        ("whatsapp.Broadcast", 1), ("content.VideoProject", 1), ("commerce.Order", 1),
        ("whatsapp.Conversation", 1), ("agents.Conversation", 1), ("campaigns.GraphEvent", 1),
    ):  # fmt: skip
        rows = json.loads(archive.read(f"data/{label}.json"))
        figures[label] = len(rows)
        assert len(rows) == expected, label
    assert archive.read(f"files/video-assets/{video.key}") == b"\x00\x00\x00\x18ftypmp42"
    manifest = json.loads(archive.read("manifest.json"))
    assert all(m["rows"] == export.counts[label] for label, m in manifest["models"].items())
    print(f"\nexport: {sum(m['rows'] for m in manifest['models'].values())} rows in "
          f"{len(manifest['models'])} models, {manifest['files']} files; {figures}")  # fmt: skip

    # 2. Erase Jane: gone from every module (rows that statistics count stay, anonymized).
    assert _traces_of_jane(ws.pk)
    erased = admin.post(f"/api/v1/crm/contacts/{jane}/erase", {"block": True}, format="json")
    assert erased.status_code == 200, erased.content
    counts = erased.json()["counts"]
    assert _traces_of_jane(ws.pk) == []
    assert not LandingPageSubmission.unscoped.filter(workspace=ws).exists()
    assert counts["commerce.Order"] == 1 and counts["agents.Conversation"] == 1
    assert counts["campaigns.GraphEvent"] == 1 and counts["crm.Contact"] == 1
    assert admin.get(f"/api/v1/crm/contacts/{jane}/").status_code == 404
    print("erase:", {label: n for label, n in sorted(counts.items()) if n})
    assert {h.label for h in contact_holdings()} <= set(counts)

    # 3. Delete the workspace: nothing left after the purge (rows and files).
    deleted = a.client("owner").delete("/api/v1/workspace", {"confirm": ws.slug}, format="json")
    assert deleted.status_code == 202, deleted.content
    assert services.purge_due(now=timezone.now() + timedelta(days=8)) == 1
    assert _rows_with_workspace(ws.pk) == {}
    for bucket in storage.Bucket:
        target = storage.bucket_storage(bucket)
        assert not target.exists(str(ws.pk)) or target.listdir(str(ws.pk)) == ([], [])
    assert _rows_with_workspace(b.workspace.pk)  # the other workspace is untouched
    print("purge: 0 rows carry the workspace id, 0 files under its prefix")
