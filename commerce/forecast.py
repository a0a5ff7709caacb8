"""Demand forecasts per variant or product: daily units with an 80 % interval.

Methods (the response names the one used), by the length of the history
(counted from the first day with a sale):
- `ets_weekly` (≥ 8 weeks, `ETS_MIN_DAYS`): ETS(A,N,A) — additive error, no
  trend, additive weekly seasonality — from statsmodels (`ETSModel`, heuristic
  initial states, smoothing parameters by maximum likelihood). The parameters
  are fitted on the history *without* its last 28 days; those 28 days are the
  backtest (sMAPE), and the same parameters then smooth the whole history to
  forecast from today (one fit per series: the nightly run covers 10,000
  variants in minutes). The 80 % interval is the model's analytic prediction
  interval. A fit that fails falls back to `weekly_profile`.
- `weekly_profile` (14 days to 8 weeks): level = mean daily units of the
  last 28 days; each weekday scaled by its share of the history's weekly
  pattern (mean units on that weekday ÷ overall mean).
- `mean` (1–13 days): the mean of the history, flat.
- `no_history` (no sales): zeros, `history_days: 0`.
For `weekly_profile` and `mean` the interval is forecast ± 1.2816 × σ (σ = the one-step residuals' standard
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
ETS_MIN_DAYS = 56
SEASON = 7


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
    """Mean of 2·|f − a| / (|a| + |f|), in %. A day without sales forecast below half a unit counts
    as exact: sales are whole units, and at a = 0 any f > 0 would otherwise score the maximum 200 %."""
    terms = []
    for a, f in zip(actual, predicted, strict=True):
        denominator = abs(a) + abs(f)
        exact = denominator == 0 or (a == 0 and abs(f) < 0.5)
        terms.append(0.0 if exact else 2 * abs(f - a) / denominator)
    return round(100 * statistics.fmean(terms), 2) if terms else 0.0


def _ets(history: list[int], first_day: date, days: int) -> Forecast | None:
    """ETS(A,N,A) with weekly seasonality (see the module docstring); None when the fit fails."""
    import warnings

    import numpy as np
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    options = {"error": "add", "trend": None, "seasonal": "add", "seasonal_periods": SEASON,
               "initialization_method": "heuristic"}  # fmt: skip
    # a pandas series: statsmodels' prediction results need an index (a bare ndarray fails there)
    y = pd.Series(np.asarray(history, dtype=float))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            past = ETSModel(y.iloc[:-BACKTEST_DAYS], **options).fit(disp=False)
            backtest = np.clip(past.forecast(BACKTEST_DAYS), 0, None)
            model = ETSModel(y, **options)
            fixed = {"smoothing_level": float(past.smoothing_level),
                     "smoothing_seasonal": float(past.smoothing_seasonal)}  # fmt: skip
            with model.fix_params(fixed):
                fitted = model.fit(disp=False)
            frame = fitted.get_prediction(start=len(y), end=len(y) + days - 1).summary_frame(alpha=0.2)
            mean, low, high = (frame[column].to_numpy(dtype=float) for column in ("mean", "pi_lower", "pi_upper"))
    except (ValueError, KeyError, np.linalg.LinAlgError, ArithmeticError):
        return None
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        return None
    rows = []
    for i in range(days):
        units = max(0.0, float(mean[i]))
        day = (first_day + timedelta(days=i)).isoformat()
        rows.append({"date": day, "units": round(units, 2), "low": round(max(0.0, float(low[i])), 2),
                     "high": round(max(units, float(high[i])), 2)})  # fmt: skip
    return Forecast(method="ets_weekly", history_days=len(history), days=rows,
                    smape=smape(history[-BACKTEST_DAYS:], [float(v) for v in backtest]))  # fmt: skip


def forecast(history: list[int], *, start: date, days: int = 30) -> Forecast:
    """`history[i]` is the units sold on `start + i days`; the forecast starts the day after."""
    history = list(history)
    first_sale = next((i for i, units in enumerate(history) if units), None)
    if first_sale is None:
        history, start = [], start + timedelta(days=len(history))
    else:
        history, start = history[first_sale:], start + timedelta(days=first_sale)
    if len(history) >= ETS_MIN_DAYS:
        result = _ets(history, start + timedelta(days=len(history)), days)
        if result is not None:
            return result
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
