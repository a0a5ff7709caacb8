"""Number normalisation and keyword detection (pure functions)."""

from __future__ import annotations

import pytest

from whatsapp.keywords import is_opt_in, is_opt_out
from whatsapp.phones import InvalidNumber, from_wire, normalize, normalize_recipients, wire_number


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+14155552671", "US", "+14155552671"),
        ("+1 (415) 555-2671", "US", "+14155552671"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("0034612345678", "US", "+34612345678"),
        ("612 345 678", "ES", "+34612345678"),
        ("11 91234-5678", "BR", "+5511912345678"),
        ("+393123456789", "US", "+393123456789"),
        ("+390612345678", "US", "+390612345678"),  # Italian fixed line keeps its leading zero
        ("052-555-1234", "IL", "+972525551234"),
    ],
)
def test_normalize(raw, region, expected):
    assert normalize(raw, region=region) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), ("abc", "not_a_number"), ("+1415", "too_short"), ("+999123456789", "invalid_country_code"),
     ("+1415555267100000", "too_long"), ("1" * 50, "too_long")],
)  # fmt: skip
def test_rejection_reasons(raw, reason):
    with pytest.raises(InvalidNumber) as error:
        normalize(raw, region="US")
    assert error.value.reason == reason


def test_recipient_report_keeps_order_and_counts():
    report = normalize_recipients(
        ["+14155552672", "4155552672", "+14155552671", None, 14155552673], region="US",
        opted_out={"+14155552671"},
    )  # fmt: skip
    assert report.numbers == ["+14155552672", "+14155552673"]
    assert (report.requested, report.duplicates, report.opted_out) == (5, 1, 1)
    assert report.rejected == [{"input": "", "reason": "empty", "message": "The number is empty."}]


def test_wire_format():
    assert wire_number("+14155552671") == "14155552671"
    assert from_wire("14155552671") == "+14155552671"


def test_keywords():
    assert all(is_opt_out(word) for word in ["STOP", "baja", "Sair", "إيقاف", "הסר", "Darme de baja", "STOP."])
    assert not any(is_opt_out(text) for text in ["stop it please", "", "x" * 100, "bajar precio"])
    assert all(is_opt_in(word) for word in ["START", "alta", "Voltar"])


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+112125550100", "US"),  # a trunk '1' typed after +1: phonenumbers reads +1 212…
        ("+7 8 701 123 4567", "KZ"),
        ("+44 (0) 20 7946 0958", "US"),
        ("020 7946 0958", "GB"),
        ("8 (701) 123-45-67", "KZ"),
        ("+55 11 91234-5678", "US"),
        ("(212) 555-0100", "US"),
        ("+1 416 555 0100", "US"),
        ("+34 612 34 56 78", "ES"),
    ],
)
def test_a_broadcast_number_normalises_like_a_contact_phone(raw, region):
    """WhatsApp recipients and CRM contacts share one reading of a number
    (crm.phones' exact fast path, then phonenumbers)."""
    from crm.validation import normalize_phone

    assert normalize(raw, region=region) == normalize_phone(raw, region)
