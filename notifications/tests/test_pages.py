"""Notification pages: the bell on every page, the center, preferences."""

from __future__ import annotations

from django.test import Client

from notifications.models import EmailPreference, Notification, SlackPreference
from notifications.tests.factories import notification


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_bell_shows_the_unread_count_on_workspace_pages_and_elsewhere(world):
    a = world["A"]
    member = a.users["member"]
    notification(a.workspace, recipient=member)
    notification(a.workspace, recipient=member)
    notification(a.workspace, recipient=a.users["owner"])
    client = _signed_in(member)
    page = client.get(f"/en/w/{a.workspace.slug}/usage/").content.decode()
    assert 'data-bell-count aria-live="polite">2</span>' in page
    assert f'data-live-stream="/api/v1/events/stream?workspace={a.workspace.slug}"' in page
    profile = client.get("/en/profile/").content.decode()
    assert "data-bell-count" in profile


def test_the_center_lists_and_marks_read_in_hebrew(world):
    a = world["A"]
    member = a.users["member"]
    target = notification(a.workspace, recipient=member, title="כותרת", link=f"/w/{a.workspace.slug}/usage/")
    notification(a.workspace, recipient=member)
    client = _signed_in(member)
    page = client.get(f"/he/w/{a.workspace.slug}/notifications/")
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode() and "כותרת" in page.content.decode()

    opened = client.post(f"/he/w/{a.workspace.slug}/notifications/", {"id": target.pk, "open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/he/w/{a.workspace.slug}/usage/"
    assert Notification.unscoped.get(pk=target.pk).read_at is not None
    client.post(f"/he/w/{a.workspace.slug}/notifications/", {"all": "1"})
    assert not Notification.unscoped.filter(recipient=member, read_at__isnull=True).exists()
    # someone else's id is not found
    other = notification(a.workspace, recipient=a.users["owner"])
    assert client.post(f"/he/w/{a.workspace.slug}/notifications/", {"id": other.pk}).status_code == 404


def test_preferences_members_choose_email_admins_also_slack(world):
    a = world["A"]
    url = f"/en/w/{a.workspace.slug}/notifications/preferences/"
    member = _signed_in(a.users["member"])
    assert member.get(url).status_code == 200
    member.post(url, {"email:credits_low": "on", "slack:import_finished": "on"})
    assert EmailPreference.objects.get(user=a.users["member"], kind="import_finished").email is False
    assert EmailPreference.objects.get(user=a.users["member"], kind="credits_low").email is True
    assert not SlackPreference.unscoped.exists()  # a member cannot change the workspace's Slack

    _signed_in(a.users["admin"]).post(url, {"slack:import_finished": "on"})
    slack = dict(SlackPreference.unscoped.filter(workspace=a.workspace).values_list("kind", "enabled"))
    assert slack["import_finished"] is True and slack["credits_low"] is False
