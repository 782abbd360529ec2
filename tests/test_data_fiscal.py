"""Fiscal quarters as reported, allocated to calendar quarters by days (issue 17, item 2)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench.data import load, to_calendar_quarters
from workbench.data.fiscal import MAX_EDGE_DAYS
from workbench.errors import DataError

DAY = dt.timedelta(days=1)


def last_sunday_of_january(year: int) -> dt.date:
    day = dt.date(year, 1, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def sunday_closest_to_october_31(year: int) -> dt.date:
    day = dt.date(year, 10, 31)
    back = (day.weekday() + 1) % 7  # days since the previous Sunday
    return day - dt.timedelta(days=back) if back <= 3 else day + dt.timedelta(days=7 - back)


def fiscal_calendar(year_end, first_year: int, last_year: int, long_quarter: int):
    """(label, start, end) of each quarter; a 53-week year's extra week in ``long_quarter``."""
    quarters = []
    for year in range(first_year, last_year + 1):
        start, end = year_end(year - 1) + DAY, year_end(year)
        weeks = [13, 13, 13, 13]
        if (end - start + DAY).days == 371:
            weeks[long_quarter - 1] = 14
        for q, n in enumerate(weeks, start=1):
            stop = start + dt.timedelta(weeks=n) - DAY
            quarters.append((f"FY{year}Q{q}", start, stop))
            start = stop + DAY
        assert quarters[-1][2] == end
    return quarters


def fiscal_table(vendor: str, quarters, values) -> xr.Dataset:
    labels = [q[0] for q in quarters]
    as_ns = lambda days: np.array(days, dtype="datetime64[ns]")  # noqa: E731
    return xr.Dataset(
        {
            "period_start": (("vendor", "fiscal_quarter"), as_ns([[q[1] for q in quarters]])),
            "period_end": (("vendor", "fiscal_quarter"), as_ns([[q[2] for q in quarters]])),
            "revenue": (
                ("vendor", "fiscal_quarter"),
                np.array([values], dtype=float),
                {"units": "USD", "long_name": "Revenue"},
            ),
        },
        coords={"vendor": [vendor], "fiscal_quarter": labels},
    )


NVIDIA = fiscal_calendar(last_sunday_of_january, 2023, 2027, long_quarter=4)
BROADCOM = fiscal_calendar(sunday_closest_to_october_31, 2024, 2026, long_quarter=1)


def test_the_bundled_periods_follow_nvidia_and_broadcom_calendars():
    table = load("vendor_revenue")
    for vendor, calendar in (("NVIDIA", NVIDIA), ("Broadcom", BROADCOM)):
        rows = table.sel(vendor=vendor).dropna("fiscal_quarter", subset=["revenue"])
        for label, start, end in calendar:
            if label not in rows.fiscal_quarter.values:
                continue
            row = rows.sel(fiscal_quarter=label)
            assert pd.Timestamp(row.period_start.values).date() == start, (vendor, label)
            assert pd.Timestamp(row.period_end.values).date() == end, (vendor, label)
    # Spot checks against the filings: NVIDIA FY2026Q4 ended 2026-01-25, Broadcom's 14-week
    # FY2024Q1 ran 2023-10-30 to 2024-02-04.
    assert dict((q[0], q[2]) for q in NVIDIA)["FY2026Q4"] == dt.date(2026, 1, 25)
    assert dict((q[0], q[1:]) for q in BROADCOM)["FY2024Q1"] == (
        dt.date(2023, 10, 30),
        dt.date(2024, 2, 4),
    )


@pytest.mark.parametrize(("vendor", "calendar"), [("NVIDIA", NVIDIA), ("Broadcom", BROADCOM)])
def test_one_dollar_a_day_gives_each_calendar_quarter_its_days(vendor, calendar):
    days = [(end - start + DAY).days for _, start, end in calendar]
    out = to_calendar_quarters(fiscal_table(vendor, calendar, days))
    revenue = out.revenue.sel(vendor=vendor).to_series().dropna()
    expected = [
        pd.Period(q, "Q").end_time.normalize() - pd.Timestamp(q) + pd.Timedelta(days=1)
        for q in revenue.index
    ]
    np.testing.assert_allclose(revenue.values, [e.days for e in expected])
    # Only quarters the fiscal quarters cover completely are given (nothing half-counted).
    first, last = calendar[0][1], calendar[-1][2]
    assert revenue.index[0] >= pd.Timestamp(first) - pd.Timedelta(days=MAX_EDGE_DAYS)
    assert pd.Period(revenue.index[-1], "Q").end_time <= pd.Timestamp(last) + pd.Timedelta(days=8)
    assert out.revenue.attrs["units"] == "USD" and "calendar" in out.revenue.attrs["long_name"]


def test_nvidia_fiscal_2026q4_is_split_between_calendar_2025q4_and_2026q1():
    table = load("vendor_revenue")
    out = to_calendar_quarters(table)
    nvidia = table.sel(vendor="NVIDIA").revenue
    # FY2026Q4: 2025-10-27 to 2026-01-25 (91 days): 66 days in 2025Q4, 25 in 2026Q1.
    q4 = nvidia.sel(fiscal_quarter="FY2026Q3").item() * 26 / 91
    q4 += nvidia.sel(fiscal_quarter="FY2026Q4").item() * 66 / 91
    assert out.revenue.sel(vendor="NVIDIA", quarter="2025-10-01").item() == pytest.approx(q4)
    # Calendar 2022-2025 holds no day of January 2026 and all of January 2022.
    calendar_total = out.revenue.sel(vendor="NVIDIA", quarter=slice("2022", "2025")).sum().item()
    fiscal = nvidia.sel(
        fiscal_quarter=[f"FY{y}Q{q}" for y in range(2023, 2027) for q in range(1, 5)]
    )
    january_2022 = nvidia.sel(fiscal_quarter="FY2022Q4").item() * 30 / 91
    january_2026 = nvidia.sel(fiscal_quarter="FY2026Q4").item() * 25 / 91
    assert calendar_total == pytest.approx(fiscal.sum().item() + january_2022 - january_2026)


def test_broadcom_first_quarter_leaves_calendar_2023q4_unknown():
    table = load("vendor_revenue")
    out = to_calendar_quarters(table)
    broadcom = out.revenue.sel(vendor="Broadcom")
    assert np.isnan(broadcom.sel(quarter="2023-10-01")).item()  # 29 days before FY2024Q1
    rows = table.sel(vendor="Broadcom").revenue
    expected = rows.sel(fiscal_quarter="FY2024Q1").item() * 35 / 98
    expected += rows.sel(fiscal_quarter="FY2024Q2").item() * 56 / 91
    assert broadcom.sel(quarter="2024-01-01").item() == pytest.approx(expected)


def test_a_few_days_at_the_end_take_the_nearest_rate_and_are_counted():
    out = to_calendar_quarters(load("vendor_revenue"))
    amd = load("vendor_revenue").sel(vendor="AMD")
    # AMD's newest quarter, FY2026Q2 (2026-03-29 to 2026-06-27, 91 days), ends 3 days before
    # calendar 2026Q2 does: 28-30 June take its daily rate, so 2026Q2 holds 88 + 3 of its days.
    q2 = amd.revenue.sel(fiscal_quarter="FY2026Q2").item() * (88 + 3) / 91
    assert out.revenue.sel(vendor="AMD", quarter="2026-04-01").item() == pytest.approx(q2)
    assert out.estimated_days.sel(vendor="AMD", quarter="2026-04-01").item() == 3
    # ... while 29-31 March, now reported by FY2026Q2, are not estimated.
    assert out.estimated_days.sel(vendor="AMD", quarter="2026-01-01").item() == 0
    assert out.estimated_days.sel(vendor="AMD", quarter="2025-01-01").item() == 0


def test_a_sub_line_reported_from_a_later_quarter_is_estimated_for_a_few_weeks_only():
    table = load("vendor_revenue").sel(vendor="NVIDIA")
    out = to_calendar_quarters(load("vendor_revenue")).sel(vendor="NVIDIA")
    # The compute/networking split starts with FY2025Q1 (2024-01-29); 1-28 January 2024 take
    # FY2024Q4's total times FY2025Q1's compute share.
    fy25q1 = table.sel(fiscal_quarter="FY2025Q1")
    share = fy25q1.compute_revenue.item() / fy25q1.revenue.item()
    expected = table.revenue.sel(fiscal_quarter="FY2024Q4").item() * 28 / 91 * share
    expected += fy25q1.compute_revenue.item() * 63 / 91
    assert out.compute_revenue.sel(quarter="2024-01-01").item() == pytest.approx(expected)
    assert out.estimated_days.sel(quarter="2024-01-01").item() == 28
    assert np.isnan(out.compute_revenue.sel(quarter="2023-10-01")).item()
    assert out.estimated_days.sel(quarter="2023-10-01").item() == 0


def test_overlapping_or_reversed_periods_are_refused():
    table = fiscal_table("X", NVIDIA[:2], [1.0, 1.0])
    table["period_start"][0, 1] = table["period_start"][0, 0]
    with pytest.raises(DataError, match="overlaps"):
        to_calendar_quarters(table)
    table = fiscal_table("X", NVIDIA[:2], [1.0, 1.0])
    table["period_end"][0, 1] = np.datetime64("2020-01-01", "ns")
    with pytest.raises(DataError, match="ends before it starts"):
        to_calendar_quarters(table)


def test_the_docstring_examples_run():
    import doctest

    import workbench.data.fiscal

    result = doctest.testmod(workbench.data.fiscal, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted and not result.failed
