"""crm.phones.fast_e164 against phonenumbers itself.

The fast path may decline (None) any input, but every answer it gives must be
phonenumbers' answer: the E.164 string when `parse` succeeds and
`is_valid_number` holds, False when `parse` succeeds and the number is not
valid. The differential tests generate inputs aimed at each step of `parse` it
replays — '+cc', the region's own country code typed without '+', IDD prefixes,
national prefixes and carrier codes, transform rules, leading zeros, shared
country codes, every length from 2 to 18 digits — in random punctuation.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS, SUPPORTED_REGIONS

from crm.phones import fast_e164
from crm.validation import InvalidValue, normalize_phone

# The regions the brief names, plus regions with unusual parsing metadata: transform
# rules (NANPA islands, GG, CC, SM, NF, MG, GA, AR, BR), carrier codes (CO, KR, BR),
# multi-digit or alternative national prefixes (HU '06', LT '[08]', BY '0|80?'), a
# prefix without trunk '0' (CR, LU, FO, LI) and shared country codes (7, 39, 44, 47, 61, 358, 590).
REGIONS = (
    *("US", "CA", "GB", "DE", "FR", "ES", "IT", "BR", "MX", "IN", "AR", "AU", "RU", "KZ", "JE", "IM"),
    *("SG", "AE", "IL", "SA", "CN", "JP", "NG", "AG", "BS", "DO", "JM", "PR", "GG", "CC", "CX", "SM"),
    *("NF", "MG", "GA", "CO", "KR", "HU", "LT", "BY", "CR", "LU", "FO", "LI", "VA", "NO", "SJ", "FI"),
    *("AX", "GP", "BL"),
)
NON_GEO = (800, 808, 870, 878, 881, 882, 883, 888, 979)
IDD_PREFIXES = ("00", "011", "810", "8 10", "0011", "001", "010", "119", "009", "0")
TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
)
OUT_OF_CLASS = ("x", "ext 12", "#", "/", ",", ";", "a", "٣", "＋", "+", "\t", "*", "~", "tel:", "_")


def reference(number: str, region: str | None) -> str | bool:
    """What normalize_phone did before the fast path: E.164, False (invalid) or 'error' (parse raised)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return "error"
    if not phonenumbers.is_valid_number(parsed):
        return False
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def _examples(region: str) -> list[str]:
    """National significant numbers of the region's example numbers, one per number type."""
    found = []
    for kind in TYPES:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is not None:
            found.append(phonenumbers.national_significant_number(example))
    return found


def _random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _punctuate(rng: random.Random, digits: str) -> str:
    """Digits in random groups, separated by spaces, dots, dashes or brackets."""
    groups, at = [], 0
    while at < len(digits):
        size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 12))
        groups.append(digits[at : at + size])
        at += size
    style = rng.random()
    if style < 0.15:
        return "".join(groups)
    if style < 0.3 and len(groups) > 1:  # "(212) 555-0100"
        return f"({groups[0]}) " + "-".join(groups[1:])
    out = groups[0]
    for group in groups[1:]:
        out += rng.choice((" ", " ", "-", ".", "", "  ", " - ", ") ", " (", "(", ")", ". ")) + group
    return out


def _national_prefixes(region: str) -> list[str]:
    metadata = PhoneMetadata.metadata_for_region(region)
    prefixes = ["", "", "0", "1", "8", "06", "80"]
    if metadata.national_prefix:
        prefixes += [metadata.national_prefix] * 3
    return prefixes


def _sample(rng: random.Random) -> tuple[str, str | None]:
    region: str | None = rng.choice(REGIONS)
    target: str | int = rng.choice(REGIONS) if rng.random() < 0.35 else region
    if rng.random() < 0.06:
        target = rng.choice(NON_GEO)
    cc = target if isinstance(target, int) else phonenumbers.country_code_for_region(target)
    # the national number: an example number with some digits changed, or random digits
    examples = EXAMPLES[target]
    if examples and rng.random() < 0.7:
        body = rng.choice(examples)
        keep = rng.randrange(0, len(body) + 1) if rng.random() < 0.4 else len(body) - rng.randrange(0, 4)
        body = body[:keep] + _random_digits(rng, len(body) - keep + rng.choice((0, 0, 0, 0, 1, -1)))
    else:
        body = rng.choice("0123456789"[rng.randrange(0, 3) :]) + _random_digits(rng, rng.randrange(1, 18))
    body = body[:18]
    mode = rng.random()
    if mode < 0.4:  # international with '+', sometimes with the trunk prefix left in
        trunk = rng.choice(("", "", "", "0", "(0)", "1", "8"))
        plus = rng.choice(("+{} ", "+{} ", "+{} ", "+{}", "+ {} ", "(+{}) ", "+{}-", "+({}) ")).format(cc)
        text = plus + trunk + (_punctuate(rng, body) if rng.random() < 0.8 else body)
    elif mode < 0.7 and not isinstance(target, int):  # national, read in `region`
        region = target if rng.random() < 0.8 else region
        text = _punctuate(rng, rng.choice(_national_prefixes(target)) + body)
    elif mode < 0.8:  # the country code typed without '+'
        text = _punctuate(rng, f"{cc}{rng.choice(('', '', '0', '1', '8'))}{body}")
    elif mode < 0.9:  # an international dialling prefix
        text = rng.choice(IDD_PREFIXES) + rng.choice((" ", "", "-")) + _punctuate(rng, f"{cc}{body}")
    else:  # any digits at all, 2 to 18 of them
        text = _punctuate(rng, _random_digits(rng, rng.randrange(2, 19)))
    roll = rng.random()
    if roll < 0.05:
        text = rng.choice((" ", "(", "-", ".", "( ")) + text
    elif roll < 0.08:
        text = text + rng.choice((")", ".", "-", " -"))
    elif roll < 0.12:  # outside the decided class: must be declined or still agree
        at = rng.randrange(0, len(text) + 1)
        text = text[:at] + rng.choice(OUT_OF_CLASS) + text[at:]
    if rng.random() < 0.04:
        region = None
    return text.strip(), region


EXAMPLES: dict[str | int, list[str]] = {}


def _load_examples() -> None:
    if not EXAMPLES:
        for region in REGIONS:
            EXAMPLES[region] = _examples(region)
        for code in NON_GEO:
            example = phonenumbers.example_number_for_non_geo_entity(code)
            EXAMPLES[code] = [phonenumbers.national_significant_number(example)] if example else []


def _compare(inputs: list[tuple[str, str | None]]) -> Counter:
    outcomes: Counter = Counter()
    mismatches = []
    for text, region in inputs:
        fast = fast_e164(text, region)
        if fast is None:
            outcomes["deferred"] += 1
            continue
        expected = reference(text, region)
        outcomes["valid" if fast else "invalid"] += 1
        if fast != expected or type(fast) is not type(expected):
            mismatches.append((text, region, fast, expected))
    assert not mismatches, mismatches[:20]
    return outcomes


def test_differential_random_inputs():
    """60,000 seeded inputs: every decided answer is phonenumbers' answer."""
    _load_examples()
    rng = random.Random(20261208)
    inputs = [_sample(rng) for _ in range(60_000)]
    outcomes = _compare(inputs)
    decided = outcomes["valid"] + outcomes["invalid"]
    # the fast path must carry the bulk, valid and invalid alike
    assert decided > 0.75 * len(inputs), outcomes
    assert outcomes["valid"] > 10_000 and outcomes["invalid"] > 10_000, outcomes


def test_differential_every_region_example():
    """Every region's and non-geographic code's example numbers, in E.164, international
    and national format and with the trunk prefix after '+cc', read in their region and in US."""
    inputs = []
    for region in sorted(SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
            international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            inputs += [(e164, region), (international, "US"), (national, region), (nsn, region)]
            inputs += [(f"+{example.country_code} 0{nsn}", region), (f"{example.country_code}{nsn}", region)]
            inputs += [(f"+{example.country_code} {nsn[:-1]}", region), (f"{nsn}9", region)]
    for code in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
            international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
            inputs += [(e164, None), (e164, "GB"), (international, "DE")]
    outcomes = _compare(inputs)
    assert outcomes["valid"] > 0.5 * len(inputs), outcomes


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("(212) 555-0100", "US", "+12125550100"),
        ("212.555.0100", "US", "+12125550100"),
        ("212-555-0100", "US", "+12125550100"),
        ("+1 212 555 0100", "US", "+12125550100"),
        ("+1 (212) 555-0100", "GB", "+12125550100"),
        ("1 212 555 0100", "US", "+12125550100"),  # the country code typed without '+'
        ("+1 416 555 0100", "CA", "+14165550100"),  # NANPA: not US, found among 25 regions
        ("+34 612 34 56 78", "US", "+34612345678"),
        ("+55 11 91234-5678", "US", "+5511912345678"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),  # national prefix stripped
        ("+44 (0) 20 7946 0958", "GB", "+442079460958"),  # trunk prefix after '+44'
        ("00 44 20 7946 0958", "DE", "+442079460958"),  # IDD prefix
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("+44 7797 712345", "JE", "+447797712345"),  # 44 is shared: GB, GG, IM, JE
        ("+49 30 901820", "US", "+4930901820"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+91 98765 43210", "US", "+919876543210"),
        ("+52 55 1234 5678", "US", "+525512345678"),
        ("+39 06 1234 5678", "US", "+390612345678"),  # Italian leading zero kept
        ("8 (701) 123-45-67", "KZ", "+77011234567"),  # national prefix 8, code 7 shared with RU
        ("460-1234", "AG", "+12684601234"),  # transform rule: local number gets its area code
        ("+800 1234 5678", None, "+80012345678"),  # non-geographic
        ("+1 555 12", "US", False),
        ("555 0100", "US", False),
    ],
)
def test_common_formats_are_decided(text, region, expected):
    assert fast_e164(text, region) == expected
    assert reference(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("212-555-0100 ext 5", "US"),  # extensions
        ("212-555-0100#", "US"),
        ("212 555 0100 x12", "US"),
        ("1-800-FLOWERS", "US"),  # vanity
        ("٢١٢٥٥٥٠١٠٠", "US"),  # unicode digits
        ("＋1 212 555 0100", "US"),
        ("1+212 555 0100", "US"),  # '+' after a digit
        ("++1 212 555 0100", "US"),
        ("212/555-0100", "US"),
        ("tel:+1-212-555-0100", "US"),
        ("12", "US"),  # fewer than 3 digits: viability rules
        ("1-2", "US"),
        ("212 555 0100", None),  # no region, no '+': parse raises
        ("212 555 0100", "ZZ"),
        ("212 555 0100", "us"),
        ("+800 1234 5678", "001"),
        ("+999 1234 5678", "US"),  # unknown country code
        ("+0 212 555 0100", "US"),
        ("00 12", "DE"),  # too short after the IDD
        ("+44 1", "GB"),  # national number under 2 digits
        ("+49 123456789012345678", "DE"),  # over 17 digits
        (" " * 245 + "212 555 0100", "US"),  # over 250 characters: parse raises
    ],
)
def test_the_rest_is_left_to_phonenumbers(text, region):
    assert fast_e164(text, region) is None


def test_metadata_patterns_can_be_joined():
    """The per-length alternation is only equivalent to checking each number type
    in turn if no pattern has a back-reference, an inline flag or a lookaround."""
    odd = re.compile(r"\\[1-9]|\(\?[^:]")
    descs = ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip")
    descs += ("personal_number", "pager", "uan", "voicemail")
    metadata = [PhoneMetadata.metadata_for_region(region) for region in SUPPORTED_REGIONS]
    metadata += [PhoneMetadata.metadata_for_nongeo_region(code) for code in COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    for entry in metadata:
        for name in descs:
            desc = getattr(entry, name)
            if desc is not None and desc.national_number_pattern:
                assert not odd.search(desc.national_number_pattern), (entry.id, name)


def test_normalize_phone_keeps_its_messages():
    assert normalize_phone(" (212) 555-0100 ", "us") == "+12125550100"
    with pytest.raises(InvalidValue, match=r"^Enter a valid phone number\.$"):
        normalize_phone("+1 555 12", "US")  # decided by the fast path
    with pytest.raises(InvalidValue, match="with its country code"):
        normalize_phone("+999 1234 5678", "US")  # left to phonenumbers: parse raises
    with pytest.raises(InvalidValue, match=r"^Enter a valid phone number\.$"):
        normalize_phone("+1 555 0100 x12", "US")  # left to phonenumbers (extension): parses, not valid


def test_phonenumbers_is_not_imported_with_the_module():
    """crm.phones is imported when a web worker boots; phonenumbers costs 0.13 s to import."""
    root = Path(__file__).resolve().parents[2]
    code = "import sys, crm.phones; assert 'phonenumbers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
