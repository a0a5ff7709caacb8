"""Notification API: a member's own notifications in the current workspace."""

from __future__ import annotations

from notifications.models import Notification
from notifications.tests.factories import notification


def test_a_member_lists_only_their_own_notifications(world):
    a, b = world["A"], world["B"]
    mine = notification(a.workspace, recipient=a.users["member"], title="Mine, unread")
    notification(a.workspace, recipient=a.users["member"], title="Mine, read", read_at="2026-01-01T00:00:00Z")
    notification(a.workspace, recipient=a.users["owner"], title="The owner's")
    notification(b.workspace, recipient=b.users["member"], title="Another workspace's")

    body = a.client("member").get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["Mine, read", "Mine, unread"]
    assert body["unread"] == 1
    unread = a.client("member").get("/api/v1/notifications/?unread=true").json()
    assert [n["id"] for n in unread["results"]] == [mine.pk]
    assert a.client("member").get("/api/v1/notifications/?unread=maybe").status_code == 400


def test_reading_one_and_all(world):
    a = world["A"]
    first = notification(a.workspace, recipient=a.users["viewer"])
    notification(a.workspace, recipient=a.users["viewer"])
    others = notification(a.workspace, recipient=a.users["owner"])
    viewer = a.client("viewer")

    response = viewer.post(f"/api/v1/notifications/{first.pk}/read")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert viewer.post(f"/api/v1/notifications/{others.pk}/read").status_code == 404  # not theirs
    assert viewer.post("/api/v1/notifications/read-all").json() == {"updated": 1, "unread": 0}
    assert Notification.unscoped.get(pk=others.pk).read_at is None


def test_links_open_in_the_callers_language(world):
    a = world["A"]
    notification(a.workspace, recipient=a.users["member"], link=f"/w/{a.workspace.slug}/notifications/")
    body = a.client("member").get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="ar").json()
    assert body["results"][0]["link"] == f"/ar/w/{a.workspace.slug}/notifications/"
