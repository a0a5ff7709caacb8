"""Pass 1's Bloom filter over its spill table: it may say "maybe" to a key it
never saw (the table is then asked), never "no" to one it did."""

from __future__ import annotations

from crm.importing.matching import _SeenFilter


def test_every_added_key_is_reported_and_few_others_are():
    seen = _SeenFilter(20_000)
    added = [f"person{i}@example.com" for i in range(20_000)] + [f"+1415{i:07d}" for i in range(0, 10_000_000, 1000)]
    for key in added:
        seen.add(key)
    assert all(seen.may_contain(key) for key in added)
    others = [f"stranger{i}@example.org" for i in range(20_000)]
    false_positives = sum(seen.may_contain(key) for key in others)
    # 30,000 keys in a filter sized for 20,000 and grown once: a few per cent at most
    assert false_positives < 0.03 * len(others), false_positives
    assert len(seen.filters) == 2


def test_a_full_filter_grows_instead_of_filling_up():
    seen = _SeenFilter(100)
    for i in range(1_000):
        seen.add(f"k{i}")
    assert [filter_[3] for filter_ in seen.filters] == [100, 200, 400, 800]
    assert all(seen.may_contain(f"k{i}") for i in range(1_000))
    assert sum(seen.may_contain(f"other{i}") for i in range(1_000)) < 100
