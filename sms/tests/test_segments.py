"""Segment counting before sending: GSM-7 160/153 (extension characters take
two septets and are never split), UCS-2 70/67 for Arabic, Hebrew and any
character outside GSM-7 (ã, í, emoji as surrogate pairs)."""

from __future__ import annotations

import pytest

from sms.segments import GSM7, UCS2, count


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", GSM7, 0),
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("Olá, está à venda é você ñ ü ß Ç", UCS2, 1),  # á and õ-like letters are not GSM-7
        ("Precio especial en la canción número uno", UCS2, 1),  # ó and ú
        ("Promoção", UCS2, 1),  # ã and ç
        ("Café à Genève, señor", GSM7, 1),  # é, à, ñ are in the basic table
        ("x" * 70 + "í", UCS2, 2),
        ("x" * 69 + "ã", UCS2, 1),
        ("x" * 134 + "ã", UCS2, 3),
        ("مرحبا " * 11 + "مرحب", UCS2, 1),  # 70 Arabic characters
        ("مرحبا " * 12, UCS2, 2),
        ("שלום " * 14, UCS2, 1),
        ("שלום " * 14 + "!", UCS2, 2),
        ("{" * 80, GSM7, 1),  # 160 septets
        ("{" * 81, GSM7, 2),
        ("a" * 158 + "€", GSM7, 1),  # 160 septets
        ("a" * 159 + "€", GSM7, 2),  # 161 septets
        ("a" * 152 + "€" + "a" * 152, GSM7, 3),  # 306 septets, but the € may not be split at 153
        ("😀" * 35, UCS2, 1),  # 70 code units
        ("😀" * 36, UCS2, 2),
        ("a" * 66 + "😀" + "b" * 66, UCS2, 3),  # the pair never straddles a boundary
    ],
)
def test_segments_are_counted_as_carriers_do(text, encoding, segments):
    counted = count(text)
    assert (counted.encoding, counted.segments) == (encoding, segments)
