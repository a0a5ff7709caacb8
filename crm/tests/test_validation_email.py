"""normalize_email's fast path answers exactly like Django's EmailValidator:
every address it accepts, Django accepts; everything else goes to Django."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from crm.validation import InvalidValue, _plainly_valid_email, normalize_email

TRICKY = [
    "ana@example.com",
    "first.last+tag@sub.example.co.uk",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    '"quoted user"@example.com',
    "user@localhost",
    "user@[127.0.0.1]",
    "user@[::1]",
    "user@[999.1.1.1]",
    "user@-example.com",
    "user@example-.com",
    "user@example.c",
    "user@example.123",
    "user@example.com.",
    "user@exa_mple.com",
    "üser@example.com",
    "user@münchen.de",
    "user@xn--mnchen-3ya.de",
    "a@b@example.com",
    "@example.com",
    "user@",
    "user@" + "a" * 64 + ".com",
    "user@" + "a" * 63 + ".com",
    "user@example." + "a" * 64,
    "x" * 300 + "@example.com",
    "user name@example.com",
    "user@exam ple.com",
    "user@example.com\n",
    "o'brien@example.ie",
    "{weird}|~!#$%&*=?^`@example.org",
]


def _django_accepts(value: str) -> bool:
    try:
        EmailValidator()(value)
    except ValidationError:
        return False
    return True


def _ours_accepts(value: str) -> bool:
    try:
        normalize_email(value)
    except InvalidValue:
        return False
    return True


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_addresses_are_judged_like_django(value):
    lowered = value.strip().lower()
    expected = _django_accepts(lowered) and len(lowered) <= 254
    assert _ours_accepts(value) == expected
    if _plainly_valid_email(lowered):
        assert _django_accepts(lowered)


def test_random_addresses_are_judged_like_django_and_the_fast_path_takes_the_common_ones():
    rng = random.Random(19)

    def text(alphabet: str, longest: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))

    decided = 0
    for _ in range(20_000):
        user = text("abz09.+'_-\"!ü ", 6)
        labels = [text("abz09-_ü", 5) for _ in range(rng.randint(1, 3))]
        domain = ".".join([*labels, text("abcz1-", 4)])
        value = f"{user}@{domain}" if rng.random() < 0.95 else f"{user}@{domain}@x.com"
        if _plainly_valid_email(value):
            decided += 1
            assert _django_accepts(value), value
        elif rng.random() < 0.2:  # the rest goes to Django's validator: the same verdict
            assert _ours_accepts(value) == (_django_accepts(value.strip().lower()) and len(value) <= 254), value
    assert decided > 100  # the generator does produce plain addresses
    for common in ("ana@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie"):
        assert _plainly_valid_email(common)
