"""Services and the scoring formula, called as other modules and tasks call
them: form leads, the nightly rescoring, stale-import sweeping, normalisers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import scoring, services, tasks
from crm.models import Activity, ActivityType, Contact, ContactImport, ImportStatus
from crm.tests.conftest import balance, set_credits
from crm.tests.factories import make_activity, make_contact
from crm.validation import InvalidValue, normalize_email, normalize_phone, normalize_tags, parse_bool
from nexusone.errors import ValidationFailed
from nexusone.tenancy import WorkspaceScopeMissing, workspace_scope

pytestmark = pytest.mark.django_db


# --- form leads -----------------------------------------------------------------------------------


def test_a_form_lead_creates_a_contact_with_a_form_submit_and_is_free(world):
    workspace = world["A"].workspace
    set_credits(workspace, 20)
    with workspace_scope(workspace):
        contact = services.contact_upsert_from_form(
            workspace=workspace,
            data={"email": "Lead@Example.com", "first_name": "Lia", "email_opt_in": "on", "message": "Hi"},
            submission_key="page:7:abc",
            page={"id": 7, "title": "Spring sale"},
        )
    assert (contact.email, contact.first_name, contact.source, contact.email_opt_in) == (
        "lead@example.com",
        "Lia",
        "form",
        True,
    )
    activity = Activity.unscoped.get(contact=contact)
    assert activity.type == ActivityType.FORM_SUBMIT and activity.payload["page"]["title"] == "Spring sale"
    contact.refresh_from_db()
    assert contact.engagement_score == 10 and contact.last_activity_at is not None
    assert balance(workspace) == 20  # a lead that arrived by itself costs nothing


def test_a_repeated_submit_is_a_no_op(world):
    workspace = world["A"].workspace
    set_credits(workspace, 20)
    with workspace_scope(workspace):
        first = services.contact_upsert_from_form(
            workspace=workspace, data={"email": "a@example.com"}, submission_key="s-1"
        )
        again = services.contact_upsert_from_form(
            workspace=workspace, data={"email": "a@example.com"}, submission_key="s-1"
        )
    assert first.pk == again.pk
    assert Activity.unscoped.filter(contact=first).count() == 1
    assert balance(workspace) == 20


def test_a_lead_is_never_refused_for_lack_of_credits(world):
    workspace = world["A"].workspace
    set_credits(workspace, 0)
    with workspace_scope(workspace):
        contact = services.contact_upsert_from_form(
            workspace=workspace,
            data={"phone": "+14155550101", "email": "broken@", "first_name": "Kim"},
            submission_key="s-2",
        )
    # the invalid e-mail is dropped, the valid phone kept; the lead is saved
    assert (contact.phone, contact.email, contact.first_name) == ("+14155550101", "", "Kim")
    assert balance(workspace) == 0


def test_many_form_leads_do_not_drain_the_workspace(world):
    """Anyone can post a public form from many addresses: leads are free."""
    workspace = world["A"].workspace
    set_credits(workspace, 10)
    with workspace_scope(workspace):
        for n in range(5):
            services.contact_upsert_from_form(
                workspace=workspace, data={"email": f"bot{n}@example.com"}, submission_key=f"flood-{n}"
            )
    assert Contact.unscoped.filter(workspace=workspace).count() == 5
    assert balance(workspace) == 10


def test_a_second_submission_updates_the_existing_contact_for_free(world):
    workspace = world["A"].workspace
    set_credits(workspace, 20)
    existing = make_contact(workspace, email="a@example.com", first_name="Old", whatsapp_opt_in=True, tags=["x"])
    with workspace_scope(workspace):
        contact = services.contact_upsert_from_form(
            workspace=workspace,
            data={
                "email": "A@example.com",
                "first_name": "New",
                "phone": "+14155550101",
                "whatsapp_opt_in": "",
                "tags": "y",
            },
            submission_key="s-3",
        )
    assert contact.pk == existing.pk
    contact.refresh_from_db()
    assert (contact.first_name, contact.phone, contact.whatsapp_opt_in, contact.tags) == (
        "New",
        "+14155550101",
        True,
        ["x", "y"],  # an unticked box never withdraws consent
    )
    assert balance(workspace) == 20


def test_a_lead_without_email_or_phone_is_a_validation_error(world):
    workspace = world["A"].workspace
    with workspace_scope(workspace), pytest.raises(ValidationFailed):
        services.contact_upsert_from_form(workspace=workspace, data={"first_name": "Nobody"}, submission_key="s-4")


def test_services_refuse_to_run_outside_their_workspace_scope(world):
    with pytest.raises(AssertionError):
        services.contact_create(workspace=world["A"].workspace, data={"email": "a@example.com"})
    with workspace_scope(world["B"].workspace), pytest.raises(AssertionError):
        services.contact_create(workspace=world["A"].workspace, data={"email": "a@example.com"})
    with pytest.raises(WorkspaceScopeMissing):
        list(Contact.objects.all())


# --- scoring ---------------------------------------------------------------------------------------


def test_score_formula_points_decay_and_clamp():
    now = timezone.now()
    assert scoring.score_from_activities([], now=now) == 0
    assert scoring.score_from_activities([("form_submit", now)], now=now) == 10
    assert scoring.score_from_activities([("purchase", now - timedelta(days=30))], now=now) == 12  # 25 / 2
    assert scoring.score_from_activities([("purchase", now - timedelta(days=90))], now=now) == 3  # 25 / 8
    assert scoring.score_from_activities([("note", now), ("stage_change", now), ("merge", now)], now=now) == 0
    assert scoring.score_from_activities([("purchase", now)] * 10, now=now) == 100  # clamped
    assert scoring.score_from_activities([("page_visit", now + timedelta(hours=1))], now=now) == 2  # future = now
    visits_last_week = [("page_visit", now - timedelta(days=7))] * 3
    assert scoring.score_from_activities([("purchase", now), *visits_last_week], now=now) == 30


def test_nightly_rescoring_lets_scores_decay(world):
    workspace = world["A"].workspace
    now = timezone.now()
    fresh = make_contact(workspace)
    make_activity(workspace, contact=fresh, type="purchase", occurred_at=now - timedelta(days=30))
    stale = make_contact(workspace, engagement_score=40)
    make_activity(workspace, contact=stale, type="purchase", occurred_at=now - timedelta(days=400))
    untouched = make_contact(workspace, engagement_score=0)
    other_workspace = make_contact(world["B"].workspace, engagement_score=55)
    tasks.crm_nightly.delay()
    for contact, expected in ((fresh, 12), (stale, 0), (untouched, 0), (other_workspace, 0)):
        contact.refresh_from_db()
        assert contact.engagement_score == expected


def test_the_beat_schedule_runs_the_nightly_job():
    from django.conf import settings

    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "crm.tasks.crm_nightly"]
    assert len(entries) == 1


# --- stale imports ----------------------------------------------------------------------------------


def test_stalled_and_abandoned_imports_are_swept(world):
    workspace = world["A"].workspace
    old = timezone.now() - timedelta(days=2)
    stuck = ContactImport.unscoped.create(workspace=workspace, file_name="a.csv", status=ImportStatus.RUNNING)
    draft = ContactImport.unscoped.create(workspace=workspace, file_name="b.csv", status=ImportStatus.DRAFT)
    recent = ContactImport.unscoped.create(workspace=workspace, file_name="c.csv", status=ImportStatus.RUNNING)
    ContactImport.unscoped.filter(pk__in=[stuck.pk, draft.pk]).update(updated_at=old)
    assert services.imports_sweep_stale() == 2
    statuses = dict(ContactImport.unscoped.values_list("pk", "status"))
    assert statuses == {stuck.pk: "failed", draft.pk: "failed", recent.pk: "running"}


# --- normalisers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("+1 (415) 555-0101", "US", "+14155550101"),
        ("415-555-0101", "US", "+14155550101"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("00 44 20 7946 0958", "DE", "+442079460958"),
        ("+972 50-234-5678", "US", "+972502345678"),
        ("", "US", ""),
    ],
)
def test_phones_are_stored_in_e164(value, region, expected):
    assert normalize_phone(value, region) == expected


@pytest.mark.parametrize("value", ["12", "+1 555", "abc", "1" * 41, "4.15555E+09"])
def test_invalid_phones_are_refused(value):
    with pytest.raises(InvalidValue):
        normalize_phone(value, "US")


def test_emails_tags_and_booleans():
    assert normalize_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"
    for bad in ("ann", "ann@", "@example.com", "a b@example.com", "x" * 250 + "@example.com"):
        with pytest.raises(InvalidValue):
            normalize_email(bad)
    assert normalize_tags("VIP, new;  trial |vip") == ["vip", "new", "trial"]
    with pytest.raises(InvalidValue):
        normalize_tags(["x" * 51])
    assert [parse_bool(v) for v in ("yes", "No", "1", "0", "", "TRUE")] == [True, False, True, False, None, True]
    with pytest.raises(InvalidValue):
        parse_bool("maybe")
