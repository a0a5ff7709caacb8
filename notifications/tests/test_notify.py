"""notify(): recipients by role, rendered in each recipient's language, once
per key, delivered by e-mail (with one-click unsubscribe) and Slack."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import UserFactory
from notifications import delivery
from notifications.models import EmailPreference, Notification
from notifications.services import notify, page_link
from notifications.tasks import notifications_deliver

PARAMS = {"workspace": "Tenant A", "balance": 4, "monthly": 50}


def _languages(world, **languages):
    for role, language in languages.items():
        user = world["A"].users[role]
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def test_recipients_are_chosen_by_role_and_read_their_own_language(world, django_capture_on_commit_callbacks):
    _languages(world, owner="es", admin="he")
    a = world["A"]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(workspace=a.workspace, kind="credits_low", params=PARAMS)
    by_user = {n.recipient_id: n for n in created}
    assert set(by_user) == {a.users["owner"].pk, a.users["admin"].pk}  # the kind's default: managers
    assert by_user[a.users["owner"].pk].title == "Créditos bajos: quedan 4"
    assert by_user[a.users["admin"].pk].title == "הקרדיטים עומדים להיגמר: נותרו 4"
    assert "10%" in by_user[a.users["admin"].pk].body and "50" in by_user[a.users["admin"].pk].body
    assert by_user[a.users["admin"].pk].language == "he"


def test_explicit_recipients_must_be_members(world, django_capture_on_commit_callbacks):
    a, b = world["A"], world["B"]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            workspace=a.workspace, kind="import_finished", params={"name": "x.csv"},
            users=[a.users["member"], b.users["owner"], UserFactory()],
        )  # fmt: skip
    assert [n.recipient_id for n in created] == [a.users["member"].pk]


def test_once_per_key_even_when_called_again(world, django_capture_on_commit_callbacks):
    a = world["A"]
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(workspace=a.workspace, kind="credits_low", params=PARAMS, dedup_key="credits_low:2026-01")
        again = notify(workspace=a.workspace, kind="credits_low", params=PARAMS, dedup_key="credits_low:2026-01")
        next_period = notify(workspace=a.workspace, kind="credits_low", params=PARAMS, dedup_key="credits_low:2026-02")
    assert len(first) == 2 and again == [] and len(next_period) == 2
    assert Notification.unscoped.filter(workspace=a.workspace, kind="credits_low").count() == 4
    assert len(mail.outbox) == 4  # e-mail follows the in-app row: once per recipient and key


def test_email_is_in_the_recipients_language_with_a_one_click_unsubscribe(world, django_capture_on_commit_callbacks):
    _languages(world, owner="he")
    a = world["A"]
    link = page_link("notifications", slug=a.workspace.slug)
    with django_capture_on_commit_callbacks(execute=True):
        notify(workspace=a.workspace, kind="credits_low", params=PARAMS, roles=["owner"], link=link)
    [message] = mail.outbox
    assert message.to == [a.users["owner"].email]
    assert "הקרדיטים עומדים להיגמר" in message.subject
    assert f"/he/w/{a.workspace.slug}/notifications/" in message.body
    html = message.alternatives[0][0]
    assert 'dir="rtl"' in html and 'lang="he"' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in message.body

    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.get(f"/{path}").status_code == 200
    assert not EmailPreference.objects.filter(user=a.users["owner"]).exists()  # a GET changes nothing
    assert anonymous.post(f"/{path}").status_code == 200  # RFC 8058: a POST without a CSRF token
    assert EmailPreference.objects.get(user=a.users["owner"], kind="credits_low").email is False

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(workspace=a.workspace, kind="credits_low", params=PARAMS, roles=["owner"])
    assert len(created) == 1 and mail.outbox == []  # in-app still, e-mail no more


def test_a_forged_unsubscribe_token_is_refused(world):
    response = Client().post("/en/unsubscribe/not-a-valid-token/")
    assert response.status_code == 400
    assert not EmailPreference.objects.exists()


def test_slack_gets_one_message_per_event_through_the_webhook(
    world, slack_connected, django_capture_on_commit_callbacks
):
    a = world["A"]
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(
            workspace=a.workspace, kind="import_finished", params={"name": "leads.csv", "created": 3},
            link=page_link("notifications", slug=a.workspace.slug),
        )  # fmt: skip
    assert len(created) == 3  # owner, admin, member
    [posted] = slack_connected.requests
    assert "leads.csv" in posted["json"]["text"]
    assert posted["json"]["blocks"][1]["elements"][0]["text"].startswith("<http")
    # A retried task sends nothing twice.
    notifications_deliver(workspace_id=a.workspace.pk, notification_ids=[n.pk for n in created])
    assert len(slack_connected.requests) == 1


def test_slack_preference_off_and_refusals_do_not_disturb_delivery(
    world, slack_connected, django_capture_on_commit_callbacks
):
    from nexusone.tenancy import workspace_scope
    from notifications.services import slack_preference_set

    a = world["A"]
    with workspace_scope(a.workspace):
        slack_preference_set(workspace=a.workspace, kind="credits_low", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(workspace=a.workspace, kind="credits_low", params=PARAMS)
    assert slack_connected.requests == []

    slack_connected.refuse(404, "no_service")
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(workspace=a.workspace, kind="payment_failed", params={"workspace": "A"})
    assert len(slack_connected.requests) == 1 and len(created) == 1  # refused once, not retried
    assert Notification.unscoped.get(pk=created[0].pk).emailed_at is not None


def test_unknown_kind_is_a_programming_error(world):
    with pytest.raises(ValueError):
        notify(workspace=world["A"].workspace, kind="no_such_kind")


def test_slack_webhook_urls_must_point_at_slack(settings):
    from nexusone.errors import ValidationFailed
    from notifications.slack import validate_webhook_url

    settings.SLACK_WEBHOOK_URL_PREFIX = "https://hooks.slack.com/"
    assert validate_webhook_url(" https://hooks.slack.com/services/T/B/X ") == "https://hooks.slack.com/services/T/B/X"
    for bad in (
        "http://hooks.slack.com/services/T/B/X",
        "https://hooks.slack.com.evil.test/x",
        "https://169.254.169.254/",
    ):
        with pytest.raises(ValidationFailed):
            validate_webhook_url(bad)


def test_email_wanted_defaults_follow_the_kind(world):
    user = world["A"].users["member"]
    assert delivery.email_wanted(user=user, kind="import_finished") is True
    assert delivery.email_wanted(user=user, kind="export_ready") is False


def test_slack_posts_obey_the_outbound_doors_address_rules(
    world, slack_connected, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_ALLOW_CIDRS = []  # production: a loopback webhook URL is refused before connecting
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(workspace=world["A"].workspace, kind="payment_failed", params={"workspace": "A"})
    assert slack_connected.requests == [] and len(created) == 1
    assert Notification.unscoped.get(pk=created[0].pk).emailed_at is not None  # e-mail went out regardless
