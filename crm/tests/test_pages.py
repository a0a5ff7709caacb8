"""CRM pages: list with filters and bulk actions, detail with timeline and
score, the import wizard with its polled progress and error report, segments
with live counts; roles, isolation, empty states, right-to-left."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from crm.models import Activity, Contact, ContactImport, Segment
from crm.tests.conftest import balance, set_credits
from crm.tests.factories import make_activity, make_contact, make_custom_field, make_import, make_segment

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def base(world, label: str = "A", language: str = "en") -> str:
    return f"/{language}/w/{world[label].workspace.slug}/crm/"


def test_empty_states(world):
    client = signed_in(world["A"].users["viewer"])
    for path, text in (
        ("", "No contacts yet"),
        ("imports/", "No imports yet"),
        ("segments/", "No segments yet"),
        ("fields/", "No custom fields"),
    ):
        response = client.get(base(world) + path)
        assert response.status_code == 200 and text in response.content.decode(), path


def test_every_page_renders_for_a_viewer_in_right_to_left(world):
    workspace = world["A"].workspace
    contact = make_contact(workspace, tags=["vip"])
    make_activity(workspace, contact=contact, type="purchase")
    segment = make_segment(workspace)
    contact_import = make_import(workspace)
    make_custom_field(workspace)
    client = signed_in(world["A"].users["viewer"])
    for path in (
        "",
        f"contacts/{contact.pk}/",
        "imports/",
        f"imports/{contact_import.pk}/",
        "segments/",
        f"segments/{segment.pk}/",
        "fields/",
    ):
        response = client.get(base(world, language="ar") + path)
        assert response.status_code == 200, path
        assert '<html lang="ar" dir="rtl">' in response.content.decode()
    assert client.get(base(world) + "contacts/new/").status_code == 200  # the form shows; posting is refused
    assert client.post(base(world) + "contacts/new/", {"email": "x@example.com"}).status_code == 403
    assert client.post(base(world), {"action": "add_tag", "tag": "x", "ids": [contact.pk]}).status_code == 403


def test_another_workspace_is_404_by_slug_and_by_id(world):
    theirs = make_contact(world["A"].workspace)
    segment = make_segment(world["A"].workspace)
    contact_import = make_import(world["A"].workspace)
    client = signed_in(world["B"].users["owner"])
    assert client.get(base(world, "A")).status_code == 404
    for path in (
        f"contacts/{theirs.pk}/",
        f"segments/{segment.pk}/",
        f"segments/{segment.pk}/count/",
        f"imports/{contact_import.pk}/",
        f"imports/{contact_import.pk}/errors.csv",
        f"imports/{contact_import.pk}/mapping/",
    ):
        assert client.get(base(world, "B") + path).status_code == 404, path
    response = client.post(base(world, "B") + f"contacts/{theirs.pk}/", {"action": "delete"})
    assert response.status_code == 404
    assert Contact.unscoped.filter(pk=theirs.pk).exists()


def test_list_search_filters_and_bulk_actions(world):
    workspace = world["A"].workspace
    ann = make_contact(workspace, first_name="Ann", company="Globex")
    bob = make_contact(workspace, first_name="Bob", company="Initech")
    client = signed_in(world["A"].users["member"])
    html = client.get(base(world) + "?q=globex").content.decode()
    assert "Ann" in html and "Initech" not in html
    response = client.post(
        base(world), {"action": "add_tag", "tag": "VIP", "ids": [ann.pk, bob.pk], "query": "q=globex"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?q=globex")
    response = client.post(base(world), {"action": "set_stage", "stage": "customer", "ids": [ann.pk]})
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.tags, ann.stage, bob.tags, bob.stage) == (["vip"], "customer", ["vip"], "lead")
    html = client.get(base(world) + "?tag=vip&stage=customer").content.decode()
    assert "Ann" in html and "Bob" not in html


def test_create_contact_charges_and_refuses_when_short(world):
    workspace = world["A"].workspace
    set_credits(workspace, 7)
    client = signed_in(world["A"].users["member"])
    response = client.post(base(world) + "contacts/new/", {"email": "ann@example.com", "stage": "lead"})
    contact = Contact.unscoped.get(workspace=workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/contacts/{contact.pk}/")
    assert balance(workspace) == 2
    response = client.post(base(world) + "contacts/new/", {"email": "bob@example.com", "stage": "lead"}, follow=True)
    assert "Not enough credits" in response.content.decode()
    response = client.post(base(world) + "contacts/new/", {"email": "bad", "stage": "lead"})
    assert response.status_code == 200 and "valid e-mail" in response.content.decode()
    assert Contact.unscoped.filter(workspace=workspace).count() == 1


def test_detail_shows_timeline_and_score_and_takes_notes_and_merges(world):
    workspace = world["A"].workspace
    contact = make_contact(workspace, email="ann@example.com")
    duplicate = make_contact(workspace, email="ann.old@example.com", phone="+14155550101")
    make_activity(workspace, contact=duplicate, type="purchase", payload={"text": "Bought the plan"})
    client = signed_in(world["A"].users["member"])
    url = base(world) + f"contacts/{contact.pk}/"
    client.post(url, {"action": "activity", "type": "call", "text": "Called about renewal"})
    client.post(url, {"action": "merge", "other": "ann.old@example.com"})
    html = client.get(url).content.decode()
    assert "Called about renewal" in html and "Bought the plan" in html
    contact.refresh_from_db()
    assert contact.phone == "+14155550101" and contact.engagement_score == 33  # call 8 + purchase 25
    assert f">{contact.engagement_score}<" in html
    assert Activity.unscoped.filter(contact=contact).count() == 3  # call, purchase, merge record
    response = client.post(url, {"action": "merge", "other": "nobody@example.com"})
    assert response.status_code == 200 and "No other contact" in response.content.decode()


def test_import_wizard_upload_mapping_progress_and_error_report(world, django_capture_on_commit_callbacks):
    workspace = world["A"].workspace
    set_credits(workspace, 100)
    client = signed_in(world["A"].users["member"])
    file = io.BytesIO(b"Mail;Full name\nann@example.com;Ann Lee\nnot-an-email;Bad\n")
    file.name = "leads.csv"
    response = client.post(base(world) + "imports/", {"file": file})
    contact_import = ContactImport.unscoped.get(workspace=workspace)
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{contact_import.pk}/mapping/")
    html = client.get(response["Location"]).content.decode()
    assert "Mail" in html and "ann@example.com" in html  # columns with sample values
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(response["Location"], {"col_0": "email", "col_1": "name"})
    assert response.status_code == 302 and len(queued) == 1
    progress_url = response["Location"]
    partial = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="' in partial and "every 1s [!window.nexusoneLive]" in partial and "<html" not in partial
    queued[0]()  # the worker runs the job
    partial = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in partial and "errors.csv" in partial  # finished: polling stops, report offered
    report = client.get(base(world) + f"imports/{contact_import.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("3,")
    ann = Contact.unscoped.get(workspace=workspace)
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")


def test_import_wizard_explains_bad_files_and_short_credits(world):
    workspace = world["A"].workspace
    set_credits(workspace, 0)
    client = signed_in(world["A"].users["member"])
    empty = io.BytesIO(b"")
    empty.name = "empty.csv"
    response = client.post(base(world) + "imports/", {"file": empty})
    assert response.status_code == 400
    file = io.BytesIO(b"email\nann@example.com\n")
    file.name = "one.csv"
    mapping_url = client.post(base(world) + "imports/", {"file": file})["Location"]
    response = client.post(mapping_url, {"col_0": "email"}, follow=True)
    html = response.content.decode()
    assert "Not enough credits: this needs 5 and 0 are available." in html
    assert f'href="/en/w/{workspace.slug}/billing/#buy-credits"' in html
    assert not Contact.unscoped.filter(workspace=workspace).exists()


def test_segments_with_live_counts(world):
    workspace = world["A"].workspace
    make_contact(workspace, stage="customer", tags=["vip"])
    make_contact(workspace, stage="lead", tags=["vip"])
    client = signed_in(world["A"].users["member"])
    response = client.post(
        base(world) + "segments/", {"name": "VIP customers", "stages": ["customer"], "tags_any": "vip"}
    )
    segment = Segment.unscoped.get(workspace=workspace)
    assert response.status_code == 302 and segment.definition == {"stages": ["customer"], "tags_any": ["vip"]}
    listing = client.get(base(world) + "segments/").content.decode()
    assert f'hx-get="{base(world)}segments/{segment.pk}/count/"' in listing
    assert "1 contact" in client.get(base(world) + f"segments/{segment.pk}/count/").content.decode()
    response = client.post(base(world) + f"segments/{segment.pk}/", {"name": "Bad", "score_min": 90, "score_max": 10})
    assert response.status_code == 400 and "above the maximum" in response.content.decode()


def test_custom_fields_page_is_admin_only_for_changes(world):
    member = signed_in(world["A"].users["member"])
    assert member.post(base(world) + "fields/", {"key": "plan", "label": "Plan", "type": "text"}).status_code == 403
    admin = signed_in(world["A"].users["admin"])
    response = admin.post(base(world) + "fields/", {"key": "plan", "label": "Plan", "type": "text"})
    assert response.status_code == 302
    assert "Plan" in member.get(base(world) + "contacts/new/").content.decode()


def test_sidebar_links_to_the_crm(world):
    html = signed_in(world["A"].users["viewer"]).get(f"/en/w/{world['A'].workspace.slug}/").content.decode()
    assert f'href="{base(world)}"' in html


def test_a_refused_import_shows_its_cost_and_runs_after_a_top_up_without_a_new_upload(
    world, django_capture_on_commit_callbacks
):
    workspace = world["A"].workspace
    set_credits(workspace, 7)
    make_contact(workspace, email="known@example.com")
    client = signed_in(world["A"].users["member"])
    file = io.BytesIO(b"email\nknown@example.com\nn1@example.com\nn2@example.com\nn3@example.com\n")
    file.name = "four.csv"
    mapping_url = client.post(base(world) + "imports/", {"file": file})["Location"]
    before = client.get(mapping_url).content.decode()
    assert "Each new contact:" in before
    assert '<span class="credit-cost" data-cost="5">5 credits each · 7 available' in before
    response = client.post(mapping_url, {"col_0": "email"})
    html = response.content.decode()
    assert response.status_code == 400 and "Not enough credits: this needs 15 and 7 are available." in html
    assert "3 new contacts:" in html and "3 × 5 = 15 credits" in html and "Try again" in html
    contact_import = ContactImport.unscoped.get(workspace=workspace)
    assert contact_import.status == "draft" and contact_import.new_contacts == 3 and not contact_import.staged_key
    set_credits(workspace, 20)  # a top-up
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(mapping_url, {"col_0": "email"})
    assert response.status_code == 302
    assert Contact.unscoped.filter(workspace=workspace).count() == 4 and balance(workspace) == 5
