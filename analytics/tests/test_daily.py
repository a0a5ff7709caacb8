"""Daily rollups per time zone (`analytics.daily`): the dashboard's figures
from sealed days + later hours equal the hourly rows summed per local day, in
any zone, and stay equal when old hours are rewritten (recompute, late
counted events) or zones are evicted."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analytics import daily, rollups, selectors
from analytics.models import DailyRollup, RollupSeal
from analytics.tests.factories import rollup, usage_event
from nexusone.tenancy import workspace_scope

ZONES = ["Asia/Jerusalem", "UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "America/Santiago"]


def _figures(workspace, tz: str, days: int = 40, **range_kwargs):
    """(sealed path, plain hourly sums) for the last `days` days in `tz`."""
    zone = ZoneInfo(tz)
    period = selectors.usage_range(days=days, tz=zone, **range_kwargs)
    with workspace_scope(workspace):
        data = selectors.dashboard_data(workspace=workspace, period=period, refresh=False)
        expected: dict = {}
        for day, module, metric, _dimension, total in selectors.hourly_totals(workspace=workspace, period=period):
            expected[(day, module, metric)] = expected.get((day, module, metric), 0) + total
    return data, expected


@pytest.fixture
def hours(world):
    """Workspace A: random rollups over the last 45 days, every hour of some, two modules and a dimension."""
    a = world["A"].workspace
    rng = random.Random(7)
    now = rollups.floor_hour(timezone.now())
    for n in range(45 * 24):
        if rng.random() < 0.4:
            at = now - timedelta(hours=n)
            rollup(a, hour=at, module=rng.choice(["content", "crm"]), value=rng.randrange(1, 50))
            if rng.random() < 0.2:
                rollup(a, hour=at, module="magic_pages", metric="views", dimension=str(rng.randrange(3)), value=2)
    return a


@pytest.mark.parametrize("tz", ZONES)
def test_sealed_days_plus_later_hours_equal_the_hourly_sums(hours, tz):
    data, expected = _figures(hours, tz)
    assert data.daily == expected and sum(expected.values()) > 0
    seal = RollupSeal.unscoped.get(workspace=hours, tz=tz)
    assert seal.sealed_day == (timezone.now() - daily.SEAL_LAG).astimezone(ZoneInfo(tz)).date()
    assert DailyRollup.unscoped.filter(workspace=hours, tz=tz).exists()
    assert not DailyRollup.unscoped.filter(workspace=hours, tz=tz, day__gte=seal.sealed_day).exists()
    again, _ = _figures(hours, tz)  # a second read: the same, nothing sealed again
    assert again.daily == expected
    assert data.per_dimension == again.per_dimension and sum(data.per_dimension.values()) > 0


def test_ranges_inside_and_across_the_seal(hours):
    today = timezone.localdate(timezone=ZoneInfo("Asia/Jerusalem"))
    for date_from, date_to in [(today - timedelta(days=30), today - timedelta(days=20)),
                               (today - timedelta(days=3), today), (today, today)]:  # fmt: skip
        data, expected = _figures(hours, "Asia/Jerusalem", date_from=date_from, date_to=date_to)
        assert data.daily == expected


def test_a_recompute_of_old_hours_unseals_their_days(hours):
    a = hours
    _figures(a, "Asia/Jerusalem")
    old = rollups.floor_hour(timezone.now() - timedelta(days=10))
    usage_event(a, module="video_creator", credits=25, at=old + timedelta(minutes=10))
    rollups.recompute(workspace_ids=[a.pk], start=old, end=old + timedelta(hours=1))
    seal = RollupSeal.unscoped.get(workspace=a, tz="Asia/Jerusalem")
    assert seal.sealed_day == old.astimezone(ZoneInfo("Asia/Jerusalem")).date()
    data, expected = _figures(a, "Asia/Jerusalem")
    assert data.daily == expected
    assert data.total("video_creator", "credits") == 25


def test_a_late_counted_event_unseals_its_day_and_a_fresh_one_does_not(hours):
    a = hours
    _figures(a, "UTC")
    sealed = RollupSeal.unscoped.get(workspace=a, tz="UTC").sealed_day
    rollups.bump(workspace_id=a.pk, module="whatsapp", metric="received", at=timezone.now())
    assert RollupSeal.unscoped.get(workspace=a, tz="UTC").sealed_day == sealed
    late = timezone.now() - timedelta(days=5)
    rollups.bump(workspace_id=a.pk, module="whatsapp", metric="received", value=3, at=late)
    assert RollupSeal.unscoped.get(workspace=a, tz="UTC").sealed_day == late.astimezone(UTC).date()
    data, expected = _figures(a, "UTC")
    assert data.daily == expected and data.total("whatsapp", "received") == 4


def test_a_late_page_view_counted_with_its_page_unseals_too(world):
    from content.models import LandingPage
    from content.tests.factories import make_landing_page

    a = world["A"].workspace
    with workspace_scope(a):
        page = make_landing_page(a, status="published")
    _figures(a, "UTC")
    late = timezone.now() - timedelta(days=3)
    assert rollups.bump_with_counter(model=LandingPage, pk=page.pk, counter="views", module="magic_pages",
                                     metric="views", dimension=str(page.pk), at=late)  # fmt: skip
    data, expected = _figures(a, "UTC")
    assert data.daily == expected and data.dimensions("magic_pages", "views") == {str(page.pk): 1}


def test_only_a_few_zones_are_kept_per_workspace(hours):
    for tz in ZONES[: daily.MAX_ZONES + 1]:
        _figures(hours, tz)
    kept = set(RollupSeal.unscoped.filter(workspace=hours).values_list("tz", flat=True))
    assert len(kept) == daily.MAX_ZONES and ZONES[0] not in kept
    assert set(DailyRollup.unscoped.filter(workspace=hours).values_list("tz", flat=True)) == kept
    data, expected = _figures(hours, ZONES[0])  # an evicted zone comes back exact
    assert data.daily == expected


def test_another_workspaces_rows_never_count(hours, world):
    b = world["B"].workspace
    rollup(b, hour=rollups.floor_hour(timezone.now() - timedelta(days=4)), value=1000)
    rollup(b, hour=rollups.floor_hour(timezone.now()), value=1000)
    data, expected = _figures(hours, "UTC")
    assert data.daily == expected and 1000 not in data.daily.values()


def test_the_dashboard_read_is_one_statement_once_sealed(hours, django_assert_num_queries):
    period = selectors.usage_range(days=90, tz=ZoneInfo("Asia/Jerusalem"))
    _figures(hours, "Asia/Jerusalem", days=90)
    with workspace_scope(hours), django_assert_num_queries(1):  # the seal and the rows (labels: cached)
        selectors.dashboard_data(workspace=hours, period=period, refresh=False)


def test_days_before_the_seal_are_sums_of_whole_local_days(world):
    """Kolkata is UTC+5:30: an hour starting 18:00 UTC is 23:30 local, so it
    belongs to that day; the next one (00:30 local) to the next."""
    a = world["A"].workspace
    day = date.today() - timedelta(days=10)
    evening = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18)
    rollup(a, hour=evening, value=1)
    rollup(a, hour=evening + timedelta(hours=1), value=10)
    data, expected = _figures(a, "Asia/Kolkata")
    assert data.daily == expected
    assert data.day(day, "content", "credits") == 1 and data.day(day + timedelta(days=1), "content", "credits") == 10


def test_module_labels_are_cached_until_the_catalogue_changes(db):
    from billing.models import ModuleCost

    cost = ModuleCost.objects.order_by("pk").first()
    assert selectors.cached_module_labels()[cost.module] == cost.label
    ModuleCost.objects.filter(pk=cost.pk).update(label="Renamed quietly")  # no signal: the cache holds
    assert selectors.cached_module_labels()[cost.module] == cost.label
    cost.label = "Renamed"
    cost.save()
    assert selectors.cached_module_labels()[cost.module] == "Renamed"


def test_late_events_counted_together_unseal_from_the_earliest_day(hours):
    a = hours
    _figures(a, "UTC")
    late, later = timezone.now() - timedelta(days=6), timezone.now() - timedelta(days=2)
    rollups.bump_many(workspace_id=a.pk, module="commerce",
                      rows=[("orders", 1, later), ("orders", 2, late), ("orders", 4, timezone.now())])  # fmt: skip
    assert RollupSeal.unscoped.get(workspace=a, tz="UTC").sealed_day == late.astimezone(UTC).date()
    data, expected = _figures(a, "UTC")
    assert data.daily == expected and data.total("commerce", "orders") == 7
