"""Data subjects: a contact's export/erase across modules, a user's export/delete."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import ApiKey, Membership, Role, User
from accounts.tests.factories import PASSWORD, make_api_key
from content.models import LandingPageSubmission
from content.tests.factories import make_landing_page
from crm.models import Activity, Contact
from crm.tests.factories import make_activity, make_contact
from emails.models import EmailMessage, Suppression
from emails.tests.factories import make_message as make_email
from emails.tests.factories import make_suppression
from privacy.erasure import is_blocked
from privacy.models import ErasureBlock
from sms.models import SmsMessage
from sms.tests.factories import make_message as make_sms
from whatsapp.models import Conversation, Message
from whatsapp.tests.factories import make_conversation, make_optout

pytestmark = pytest.mark.django_db

PHONE = "+14155550777"


def _person(workspace):
    contact = make_contact(workspace, email="jane.doe@example.test", phone=PHONE)
    make_activity(workspace, contact)
    conversation = make_conversation(workspace, phone=PHONE, contact_id=contact.pk)
    Message.unscoped.create(
        workspace=workspace,
        conversation=conversation,
        contact_id=contact.pk,
        direction=Message.Direction.INBOUND,
        from_number=PHONE,
        body="Hi, this is Jane",
        status="received",
    )
    page = make_landing_page(workspace)
    LandingPageSubmission.unscoped.create(
        workspace=workspace, page=page, fingerprint="f" * 64, name="Jane Doe", email="jane.doe@example.test",
        phone=PHONE, message="Call me", crm_contact_id=contact.pk,
    )  # fmt: skip
    make_email(workspace, contact=contact, to_email="jane.doe@example.test")
    make_sms(workspace, contact=contact, to=PHONE)
    make_optout(workspace, phone=PHONE)
    make_suppression(workspace, email="jane.doe@example.test")
    return contact


def test_contact_export_gathers_every_module(world):
    a, b = world["A"], world["B"]
    contact = _person(a.workspace)
    _person(b.workspace)  # the same person in another workspace stays out
    response = a.client("admin").get(f"/api/v1/crm/contacts/{contact.pk}/export")
    assert response.status_code == 200, response.content
    records = response.json()["records"]
    for label in (
        "crm.Contact", "crm.Activity", "whatsapp.Conversation", "whatsapp.Message", "content.LandingPageSubmission",
        "emails.EmailMessage", "sms.SmsMessage", "whatsapp.OptOut", "emails.Suppression",
    ):  # fmt: skip
        assert len(records[label]) == 1, label
        assert all(row.get("workspace_id") == a.workspace.pk for row in records[label])
    assert a.client("member").get(f"/api/v1/crm/contacts/{contact.pk}/export").status_code == 403
    assert b.client("owner").get(f"/api/v1/crm/contacts/{contact.pk}/export").status_code == 404


def test_contact_erase_removes_the_person_everywhere_and_keeps_counts(world):
    a, b = world["A"], world["B"]
    contact = _person(a.workspace)
    other = _person(b.workspace)
    assert b.client("owner").post(f"/api/v1/crm/contacts/{contact.pk}/erase").status_code == 404
    response = a.client("admin").post(f"/api/v1/crm/contacts/{contact.pk}/erase", {"block": True}, format="json")
    assert response.status_code == 200, response.content
    ws = a.workspace
    assert not Contact.unscoped.filter(pk=contact.pk).exists()
    assert not Activity.unscoped.filter(workspace=ws).exists()
    assert not Conversation.unscoped.filter(workspace=ws).exists()
    assert not LandingPageSubmission.unscoped.filter(workspace=ws).exists()
    assert not Suppression.unscoped.filter(workspace=ws).exists()
    # Messages stay, as anonymous counts.
    message = Message.unscoped.get(workspace=ws)
    assert (message.from_number, message.body) == ("", "") and not message.payload
    assert EmailMessage.unscoped.get(workspace=ws).to_email.startswith("erased-")
    assert SmsMessage.unscoped.get(workspace=ws).to.startswith("erased-")
    # Nothing of the person is left in any text column of the workspace.
    from django.apps import apps
    from django.db.models import CharField, Q, TextField

    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, CharField | TextField)]
        if not fields or not any(f.name == "workspace" for f in model._meta.concrete_fields):
            continue
        q = Q()
        for name in fields:
            q |= Q(**{f"{name}__icontains": "jane.doe"}) | Q(**{f"{name}__icontains": PHONE})
        assert not model._base_manager.filter(q, workspace_id=ws.pk).exists(), model._meta.label
    # Blocked from re-import by a keyed hash only.
    assert is_blocked(workspace=ws, email="Jane.Doe@example.test") and is_blocked(workspace=ws, phone=PHONE)
    assert not ErasureBlock.unscoped.filter(digest__icontains="jane").exists()
    assert not is_blocked(workspace=b.workspace, email="jane.doe@example.test")
    assert Contact.unscoped.filter(pk=other.pk).exists()  # B's copy untouched


def test_user_export_and_delete(world):
    a = world["A"]
    member = a.users["member"]
    make_api_key(a.workspace).__class__.unscoped.filter(workspace=a.workspace).update(created_by=member)
    client = a.client("member")
    from privacy.erasure import user_export

    export = json.loads(json.dumps(user_export(user=member)["records"], cls=DjangoJSONEncoder))
    assert export["accounts.User"][0]["email"] == member.email
    assert "password" not in export["accounts.User"][0]
    assert len(export["accounts.Membership"]) == Membership.objects.filter(user=member).count()

    assert client.delete("/api/v1/me", {"password": "wrong"}, format="json").status_code == 400
    owner = a.client("owner")
    sole = owner.delete("/api/v1/me", {"password": PASSWORD}, format="json")
    assert sole.status_code == 409 and sole.json()["error"]["code"] == "sole_owner"
    assert a.workspace.slug in [w["slug"] for w in sole.json()["error"]["details"]["workspaces"]]

    assert client.delete("/api/v1/me", {"password": PASSWORD}, format="json").status_code == 204
    member = User.objects.get(pk=member.pk)
    assert not member.is_active and not member.has_usable_password()
    assert member.email.endswith("@deleted.invalid") and member.name == ""
    assert not Membership.objects.filter(user=member).exists()
    assert not ApiKey.unscoped.filter(created_by=member, revoked_at__isnull=True).exists()
    assert Membership.objects.filter(workspace=a.workspace, role=Role.OWNER).exists()
