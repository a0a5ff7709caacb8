"""An exact fast path for phone validation: `phonenumbers.parse` +
`is_valid_number` + E.164 formatting, for the plain inputs a CSV holds.

Why: `phonenumbers` costs ~25 µs a number (more for +1: `is_valid_number`
tries up to 25 NANPA regions, each with up to 11 pattern checks, compiling or
looking up every regular expression on the way). That was over half of the CRM
import's validation pass (issue 19). Almost all of it is generic work a
typical cell does not need: unicode digit normalisation, extension and RFC 3966
handling, alpha (vanity) numbers.

What `fast_e164(number, region)` decides. It takes exactly the arguments of
`phonenumbers.parse` and answers:

- `'+<digits>'` — phonenumbers parses the number, finds it valid and formats
  it to this E.164 string;
- `False` — phonenumbers parses it, and `is_valid_number` is False;
- `None` — not decided here: ask phonenumbers (which may also raise).

It decides only strings of ASCII digits, spaces, brackets, dots and dashes with
at most one '+', placed before every digit, at most 250 characters and at
least 3 digits, read with a supported region (or with '+' and any region).
For those strings phonenumbers' generic steps reduce to "drop everything but
the digits": no extension, RFC 3966 or alpha-number pattern can match, and the
string is a viable number. Every region-specific step of `parse` is then
replayed on the digits with the same metadata, the same regular expressions
and the same decisions, in the same order:

- the country code — after '+', after the region's international (IDD) prefix
  (not stripped when a '0' follows it), or when the digits start with the
  region's own code and removing it makes the number fit the region better
  (`_maybe_extract_country_code`);
- the national prefix and carrier code (`national_prefix_for_parsing`, its
  transform rule, kept only when the result has a possible length);
- leading zeros ('Italian' zeros) are kept as typed: the national significant
  number phonenumbers rebuilds from `italian_leading_zero` and
  `number_of_leading_zeros` is the digit string itself;
- validity: the region of a shared country code (leading digits, else a full
  type match, in phonenumbers' order), then "general description matches and
  some number type matches", each type honouring its own possible lengths.

Every case where `parse` would raise (too short after the IDD, unknown country
code, a national number under 2 or over 17 digits, a region phonenumbers does
not know) is left to phonenumbers, so its error message stays its own. The
per-region regular expressions are compiled once, lazily, from
`PhoneMetadata`: one alternation of the number types' patterns per (region,
length) — a full match of `(?:A)|(?:B)` is a full match of A or of B, and no
metadata pattern has a back-reference or an inline flag that joining could
change (asserted by the tests).

The proof is `crm/tests/test_phones.py`: a seeded differential test over tens
of thousands of generated inputs (many regions, with and without '+cc',
national and international prefixes, every length from 2 to 18, random
punctuation) plus every region's example numbers, asserting each decided
answer equals phonenumbers'. Re-run it when `phonenumbers` is upgraded.

phonenumbers is imported on the first call, never at import time: this module
is imported when a web worker boots (through `crm.validation`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

# The inputs decided here: leading punctuation, an optional '+', then digits and
# punctuation. phonenumbers' extraction drops everything before the '+' or first
# digit and every trailing non-digit; all five punctuation characters are in its
# _VALID_PUNCTUATION, so none changes the parse.
_SIMPLE = re.compile(r"[ ().\-]*\+?[0-9 ().\-]*")
_DROP = str.maketrans("", "", " ().-+")
_MAX_INPUT_LENGTH = 250  # phonenumbers' _MAX_INPUT_STRING_LENGTH: longer strings raise
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' _MIN/_MAX_LENGTH_FOR_NSN: outside, parse raises

# _test_number_length's results that matter here: a national number stripped
# of its national prefix is kept unless the rest is one of these.
_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH, _TOO_LONG, _POSSIBLE = range(5)

# _number_type_helper's checks after the general description, in its order;
# "mobile" is added when its pattern differs from the fixed line's.
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)

Verdict = str | Literal[False] | None


class _Region:
    """One region's (or non-geographic code's) metadata, precompiled."""

    __slots__ = (
        "by_length",
        "cc",
        "cc_str",
        "general",
        "general_lengths",
        "idd",
        "leading_digits",
        "local_lengths",
        "metadata",
        "npp",
        "transform",
    )

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata
        self.cc: int = metadata.country_code
        self.cc_str = str(metadata.country_code)
        # A region without an IDD prefix gets phonenumbers' "NonMatch", which no digit string matches.
        self.idd = re.compile(metadata.international_prefix) if metadata.international_prefix is not None else None
        self.npp = re.compile(metadata.national_prefix_for_parsing) if metadata.national_prefix_for_parsing else None
        self.transform: str | None = metadata.national_prefix_transform_rule or None
        general = metadata.general_desc
        pattern = general.national_number_pattern if general is not None else None
        self.general = re.compile(pattern) if pattern else None
        self.general_lengths: tuple[int, ...] = tuple(general.possible_length) if general is not None else ()
        self.local_lengths = frozenset(general.possible_length_local_only) if general is not None else frozenset()
        leading = metadata.leading_digits
        self.leading_digits = re.compile(leading) if leading is not None else None
        self.by_length: dict[int, tuple[re.Pattern[str], re.Pattern[str]] | None] = {}

    def decidable(self) -> bool:
        # _test_number_length reads possible_length[0]; a transform rule without a
        # group makes _maybe_strip_national_prefix_carrier_code raise IndexError.
        # No current metadata does either; if some day one does, leave it to phonenumbers.
        if not self.general_lengths:
            return False
        return not (self.transform and self.npp is not None and self.npp.groups == 0)

    def general_match(self, number: str) -> bool:
        """_match_national_number(number, general_desc, False): the pattern only, no lengths."""
        return self.general is not None and self.general.fullmatch(number) is not None

    def test_length(self, number: str) -> int:
        """_test_number_length(number, metadata) for the UNKNOWN type."""
        length = len(number)
        if length in self.local_lengths:
            return _LOCAL_ONLY
        lengths = self.general_lengths
        if lengths[0] == length:
            return _POSSIBLE
        if lengths[0] > length:
            return _TOO_SHORT
        if lengths[-1] < length:
            return _TOO_LONG
        return _POSSIBLE if length in lengths[1:] else _INVALID_LENGTH

    def strip_national_prefix(self, number: str) -> str:
        """_maybe_strip_national_prefix_carrier_code(number, metadata)[1]."""
        if not number or self.npp is None:
            return number
        match = self.npp.match(number)
        if match is None:
            return number
        viable = self.general_match(number)
        if not self.transform or match.groups()[-1] is None:
            result = number[match.end() :]
        else:
            result = self.npp.sub(self.transform, number, count=1)  # re.sub from the start: this same match
        if viable and not self.general_match(result):
            return number
        return result

    def is_typed(self, nsn: str) -> bool:
        """_number_type_helper(nsn, metadata) != UNKNOWN."""
        length = len(nsn)
        try:
            check = self.by_length[length]
        except KeyError:
            check = self.by_length[length] = self._compile(length)
        return check is not None and check[0].fullmatch(nsn) is not None and check[1].fullmatch(nsn) is not None

    def _compile(self, length: int) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
        """The general description's pattern, and one alternation of the number
        types that admit `length` (_is_number_matching_desc: an empty
        possible_length means "any length"). None: no number of this length is valid."""
        metadata = self.metadata
        general = metadata.general_desc
        if general is None or not general.national_number_pattern:
            return None
        if general.possible_length and length not in general.possible_length:
            return None
        names = list(_TYPES)
        if not metadata.same_mobile_and_fixed_line_pattern:
            names.append("mobile")  # otherwise _number_type_helper never checks mobile
        patterns = []
        for name in names:
            desc = getattr(metadata, name)
            if desc is None or not desc.national_number_pattern:
                continue
            if desc.possible_length and length not in desc.possible_length:
                continue
            patterns.append(f"(?:{desc.national_number_pattern})")
        if not patterns:
            return None
        return re.compile(general.national_number_pattern), re.compile("|".join(patterns))


class _Tables:
    """phonenumbers' country-code table and the precompiled regions, built on first use."""

    def __init__(self) -> None:
        import phonenumbers  # deferred: not on a web worker's boot path
        from phonenumbers.phonenumberutil import REGION_CODE_FOR_NON_GEO_ENTITY, SUPPORTED_REGIONS

        self.metadata_class = phonenumbers.PhoneMetadata
        self.country_codes: dict[int, tuple[str, ...]] = dict(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
        self.supported = frozenset(SUPPORTED_REGIONS)
        self.non_geo = REGION_CODE_FOR_NON_GEO_ENTITY
        self.regions: dict[str, _Region | None] = {}
        self.non_geo_regions: dict[int, _Region | None] = {}

    def region(self, code: str) -> _Region | None:
        """PhoneMetadata.metadata_for_region(code), precompiled; None if unknown."""
        try:
            return self.regions[code]
        except KeyError:
            metadata = self.metadata_class.metadata_for_region(code, None)
            entry = self.regions[code] = _Region(metadata) if metadata is not None else None
            return entry

    def for_calling_code(self, cc: int, code: str) -> _Region | None:
        """PhoneMetadata.metadata_for_region_or_calling_code(cc, code), precompiled."""
        if code != self.non_geo:
            return self.region(code)
        try:
            return self.non_geo_regions[cc]
        except KeyError:
            metadata = self.metadata_class.metadata_for_nongeo_region(cc, None)
            entry = self.non_geo_regions[cc] = _Region(metadata) if metadata is not None else None
            return entry

    def extract_country_code(self, digits: str) -> tuple[int, str]:
        """_extract_country_code: the shortest 1-3 digit known code; (0, digits) if none."""
        if not digits or digits[0] == "0":
            return 0, digits
        for size in range(1, min(len(digits), 3) + 1):
            cc = int(digits[:size])
            if cc in self.country_codes:
                return cc, digits[size:]
        return 0, digits

    def is_valid(self, cc: int, nsn: str) -> bool:
        """is_valid_number for a number with this country code and national significant number."""
        regions = self.country_codes[cc]
        if len(regions) == 1:
            code: str | None = regions[0]
            typed = None
        else:
            code, typed = self._region_from_list(nsn, regions)
        if code is None:
            return False
        # is_valid_number_for_region
        region = self.for_calling_code(cc, code.upper())
        if region is None or (code != self.non_geo and cc != region.cc):
            return False
        if typed is not None:
            return typed  # the same _number_type_helper(nsn, metadata) already ran
        return region.is_typed(nsn)

    def _region_from_list(self, nsn: str, regions: tuple[str, ...]) -> tuple[str | None, bool | None]:
        """_region_code_for_number_from_list; also whether the chosen region's
        type check already ran (and passed), to spare running it twice."""
        for code in regions:
            region = self.region(code.upper())
            if region is None:
                continue
            if region.leading_digits is not None:
                if region.leading_digits.match(nsn):
                    return code, None
            elif region.is_typed(nsn):
                return code, True
        return None, None


_tables: _Tables | None = None


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        _tables = _Tables()
    return _tables


def fast_e164(number: str, region: str | None) -> Verdict:
    """What `phonenumbers` makes of `parse(number, region)`: the E.164 string
    when it parses and `is_valid_number` holds, False when it parses but is
    not valid, None when this fast path does not decide (call phonenumbers;
    it may raise NumberParseException)."""
    if len(number) > _MAX_INPUT_LENGTH or not _SIMPLE.fullmatch(number):
        return None
    digits = number.translate(_DROP)
    if len(digits) < 3:
        # phonenumbers' viability test wants 3 digits, or exactly 2 and nothing else
        return None
    tables = _get_tables()
    home: _Region | None = None
    if region is not None:
        if region not in tables.supported:
            return None  # e.g. "001", "ZZ" or lower case: parse's region handling differs
        home = tables.region(region)
        if home is None or not home.decidable():
            return None

    # parse → _maybe_extract_country_code
    cc = 0
    national = digits
    if "+" in number:
        if len(digits) <= 2:
            return None  # TOO_SHORT_AFTER_IDD
        cc, national = tables.extract_country_code(digits)
        if cc == 0:
            return None  # INVALID_COUNTRY_CODE (parse retries without the '+'; rare, not replayed)
    else:
        if home is None:
            return None  # no '+' and no region: parse raises
        idd = home.idd.match(digits) if home.idd is not None else None
        if idd is not None and not (idd.end() < len(digits) and digits[idd.end()] == "0"):
            # _parse_prefix_as_idd strips the IDD unless a '0' follows it
            rest = digits[idd.end() :]
            if len(rest) <= 2:
                return None  # TOO_SHORT_AFTER_IDD
            cc, national = tables.extract_country_code(rest)
            if cc == 0:
                return None  # INVALID_COUNTRY_CODE
        elif digits.startswith(home.cc_str):
            # The number may start with the region's own country code, typed without '+'.
            potential = home.strip_national_prefix(digits[len(home.cc_str) :])
            if (not home.general_match(digits) and home.general_match(potential)) or home.test_length(
                digits
            ) == _TOO_LONG:
                cc, national = home.cc, potential

    # parse: the metadata used for the national prefix is the number's main region's
    # when a country code was found (the same object as `home` when they agree), else `home`.
    if cc != 0:
        main = tables.for_calling_code(cc, tables.country_codes[cc][0])
        if main is None or not main.decidable():
            return None
        meta = main
    else:
        assert home is not None  # no '+' without a region returned above
        meta = home
        cc = home.cc
    if len(national) < _MIN_NSN:
        return None  # TOO_SHORT_NSN
    potential = meta.strip_national_prefix(national)
    if potential != national and meta.test_length(potential) not in (_TOO_SHORT, _LOCAL_ONLY, _INVALID_LENGTH):
        national = potential
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None  # TOO_SHORT_NSN / TOO_LONG
    # `national` is the national significant number: leading zeros are kept by
    # phonenumbers as italian_leading_zero + number_of_leading_zeros and rebuilt.
    if not tables.is_valid(cc, national):
        return False
    return f"+{cc}{national}"
