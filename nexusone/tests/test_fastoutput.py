"""`FastListSerializer` renders exactly what DRF's ListSerializer renders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers

from billing.api.serializers import LedgerEntryOutput
from crm.api.serializers import ContactOutput
from crm.models import Contact
from nexusone.api.fastoutput import FastListSerializer

pytestmark = pytest.mark.django_db


def _drf(serializer_class, rows) -> list:
    return serializers.ListSerializer(child=serializer_class(), data=None).to_representation(rows)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jerusalem", "America/Mexico_City"])
def test_contacts_render_the_same_in_every_time_zone(world, zone):
    workspace = world["A"].workspace
    Contact.unscoped.bulk_create(
        [
            Contact(workspace=workspace, email="a@x.test", first_name="Ann", tags=["vip", "b2b"]),
            Contact(
                workspace=workspace,
                phone="+14155550199",
                custom_fields={"plan": "gold", "seats": 3, "none": None},
                last_activity_at=dt.datetime(2026, 3, 29, 0, 30, 5, 123456, tzinfo=dt.UTC),
                engagement_score=77,
                email_opt_in=True,
                language="es",
            ),
        ]
    )
    rows = list(Contact.unscoped.filter(workspace=workspace).order_by("id"))
    assert isinstance(ContactOutput(many=True), FastListSerializer)
    with timezone.override(zone):
        assert ContactOutput(rows, many=True).data == _drf(ContactOutput, rows)
        assert [list(row) for row in ContactOutput(rows, many=True).data] == [
            list(r) for r in _drf(ContactOutput, rows)
        ]


def test_ledger_entries_render_the_same(world):
    from billing.models import LedgerEntry
    from billing.services import credits_adjust, plans_ensure_defaults

    plans_ensure_defaults()
    for amount in (5, -2, 40):
        credits_adjust(workspace=world["A"].workspace, amount=amount, bucket="purchased", reason="t", actor=None)
    rows = list(LedgerEntry.unscoped.filter(workspace=world["A"].workspace))
    assert rows
    assert LedgerEntryOutput(rows, many=True).data == _drf(LedgerEntryOutput, rows)


def test_an_empty_list_and_a_callable_source():
    class Output(serializers.Serializer):
        name = serializers.CharField(source="label")

        class Meta:
            list_serializer_class = FastListSerializer

    class Row:
        def label(self):
            return "from a method"

    assert Output([], many=True).data == []
    assert Output([Row()], many=True).data == [{"name": "from a method"}]
