"""Demand forecasts per variant or product: daily units with an 80 % interval.

Methods (the response names the one used):
- `weekly_profile` (≥ 14 days of history): level = mean daily units of the
  last 28 days; each weekday scaled by its share of the history's weekly
  pattern (mean units on that weekday ÷ overall mean). A simple seasonal
  method; an ETS model with weekly seasonality from a statistics library is
  the planned upgrade for series with ≥ 8 weeks (not installed yet).
- `mean` (1–13 days): the mean of the history, flat.
- `no_history` (no sales): zeros, `history_days: 0`.
Interval: forecast ± 1.2816 × σ (σ = the one-step residuals' standard
deviation in the backtest, else the history's), never below 0.
Backtest: the method fitted on all but the last 28 days forecasts those 28;
sMAPE = mean(2|F − A| / (|A| + |F|)) × 100, a day with A = F = 0 counting 0.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta

Z80 = 1.2816
BACKTEST_DAYS = 28
MIN_PROFILE_DAYS = 14


@dataclass
class Forecast:
    method: str
    history_days: int
    days: list[dict] = field(default_factory=list)  # [{"date", "units", "low", "high"}]
    smape: float | None = None


def _fit(history: list[int], start: date):
    """→ (method, predict(day) -> float)."""
    n = len(history)
    if n == 0 or not any(history):
        return "no_history", lambda day: 0.0
    if n < MIN_PROFILE_DAYS:
        mean = statistics.fmean(history)
        return "mean", lambda day: mean
    overall = statistics.fmean(history) or 1e-9
    by_weekday: dict[int, list[int]] = {}
    for offset, units in enumerate(history):
        by_weekday.setdefault((start + timedelta(days=offset)).weekday(), []).append(units)
    factors = {wd: statistics.fmean(values) / overall for wd, values in by_weekday.items()}
    level = statistics.fmean(history[-28:])
    return "weekly_profile", lambda day: level * factors.get(day.weekday(), 1.0)


def smape(actual: list[float], predicted: list[float]) -> float:
    terms = []
    for a, f in zip(actual, predicted, strict=True):
        denominator = abs(a) + abs(f)
        terms.append(0.0 if denominator == 0 else 2 * abs(f - a) / denominator)
    return round(100 * statistics.fmean(terms), 2) if terms else 0.0


def forecast(history: list[int], *, start: date, days: int = 30) -> Forecast:
    """`history[i]` is the units sold on `start + i days`; the forecast starts the day after."""
    history = list(history)
    first_sale = next((i for i, units in enumerate(history) if units), None)
    if first_sale is None:
        history, start = [], start + timedelta(days=len(history))
    else:
        history, start = history[first_sale:], start + timedelta(days=first_sale)
    method, predict = _fit(history, start)
    sigma, score = None, None
    if len(history) >= BACKTEST_DAYS + MIN_PROFILE_DAYS or (method == "mean" and len(history) > 7):
        cut = len(history) - min(BACKTEST_DAYS, len(history) // 2)
        _m, past = _fit(history[:cut], start)
        predicted = [past(start + timedelta(days=i)) for i in range(cut, len(history))]
        score = smape(history[cut:], predicted)
        residuals = [a - f for a, f in zip(history[cut:], predicted, strict=True)]
        sigma = statistics.pstdev(residuals) if len(residuals) > 1 else None
    if sigma is None:
        sigma = statistics.pstdev(history) if len(history) > 1 else 0.0
    first_day = start + timedelta(days=len(history))
    rows = []
    for i in range(days):
        day = first_day + timedelta(days=i)
        units = max(0.0, predict(day))
        rows.append({"date": day.isoformat(), "units": round(units, 2), "low": round(max(0.0, units - Z80 * sigma), 2),
                     "high": round(units + Z80 * sigma, 2)})  # fmt: skip
    return Forecast(method=method, history_days=len(history), days=rows, smape=score)
