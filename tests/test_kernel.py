"""The private kernel: checks that name the public function, provenance, time coordinates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from workbench._provenance import UNKNOWN, Var, check_units, describe, merge
from workbench._time import (
    bound,
    quarter_coord,
    quarter_label,
    select_year,
    time_dim,
    to_year,
    year_coord,
    years_of,
)
from workbench._validation import (
    as_dataarray,
    caller,
    check_choice,
    check_count,
    check_level,
    check_range,
    check_share,
    public,
)
from workbench.errors import ParameterError


@public
def outer(level=0.9, inner_level=0.9):
    check_level(level)
    return inner(inner_level)


@public
def inner(level=0.9):
    return check_level(level), caller()


# -- validation ---------------------------------------------------------------------------


def test_messages_name_the_public_function_without_owner():
    with pytest.raises(ParameterError, match=r"^The 'level' parameter of inner must be"):
        inner(1.5)


def test_outermost_public_function_is_named():
    # The user called outer; inner's check speaks of the function the user called.
    with pytest.raises(ParameterError, match="parameter of outer must be"):
        outer(0.5, inner_level=0)
    assert outer() == (0.9, "outer")
    assert caller() == "the workbench"  # reset after the call


def test_public_name_is_subpackage_dot_function():
    from workbench._validation import _public_name
    from workbench.supply.forecast import forecast

    assert _public_name(forecast.__wrapped__) == "supply.forecast"


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, True, "0.9", None, float("nan")])
def test_level_rejects(bad):
    with pytest.raises(ParameterError, match="'level'"):
        check_level(bad)


def test_range_and_share():
    assert check_range(3.0, "x", low=0) == 3.0
    with pytest.raises(ParameterError, match=r"in \(0, 10\]; got 0.0 instead"):
        check_range(np.array([1.0, 0.0]), "x", low=0, high=10, low_inclusive=False)
    with pytest.raises(ParameterError, match="got nan"):
        check_range(xr.DataArray([np.nan]), "x", low=0)
    with pytest.raises(ParameterError, match=r"a share in \[0, 1\]; got 1.2"):
        check_share(1.2, "share")
    lazy = xr.DataArray(np.array([-1.0])).chunk()
    assert check_range(lazy, "x", low=0) is lazy  # not computed


def test_count():
    assert check_count(np.int64(5), "n_draws") == 5
    for bad in (0, 2.0, True, "3"):
        with pytest.raises(ParameterError, match="'n_draws'"):
            check_count(bad, "n_draws")
    with pytest.raises(ParameterError, match=r"in \[1, 3\]"):
        check_count(4, "k", maximum=3)


def test_choice_suggests_the_closest():
    assert check_choice("bull", "scenario", ["bear", "base", "bull"]) == "bull"
    with pytest.raises(ParameterError) as err:
        check_choice("bul", "scenario", ["bear", "base", "bull"])
    message = str(err.value)
    assert "one of 'bear', 'base' or 'bull' (did you mean 'bull'?); got 'bul' instead." in message
    with pytest.raises(ParameterError, match=r"got \[1\] instead"):
        check_choice([1], "scenario", ["a"])  # unhashable: refused, not a TypeError


def test_as_dataarray():
    assert as_dataarray(3, "x").ndim == 0
    da = as_dataarray([1, 2], "x", dim="chip")
    assert da.dims == ("chip",) and da.dtype == float
    with pytest.raises(ParameterError, match="name the dimension"):
        as_dataarray([1, 2], "x")
    with pytest.raises(ParameterError, match="array of numbers"):
        as_dataarray("abc", "x")


# -- provenance ---------------------------------------------------------------------------


def table(source, license=None, as_of=None):
    attrs = {"source": source}
    if license:
        attrs["license"] = license
    if as_of:
        attrs["as_of"] = as_of
    return xr.Dataset(attrs=attrs)


def test_merge_never_invents_a_licence():
    assert merge(np.arange(3))["license"] == UNKNOWN
    assert merge(table("t"))["license"] == UNKNOWN
    assert merge(table("a", "CC-BY-4.0"), table("b", "CC-BY-4.0"))["license"] == "CC-BY-4.0"
    assert merge(table("a", "CC-BY-4.0"), table("b"))["license"] == "CC-BY-4.0; unknown"


def test_merge_sources_and_dates():
    out = merge(table("a", as_of="2026-01-01"), table("a", as_of="2026-11-25"), method="m")
    assert out == {"source": "m over: a", "license": UNKNOWN, "as_of": "2026-11-25"}
    assert merge(table("a"))["as_of"] == UNKNOWN
    assert merge(np.ones(2))["source"] == "user-supplied data"


def test_units_are_checked_not_overwritten():
    watts = xr.DataArray([1.0], attrs={"units": "W"})
    with pytest.raises(ParameterError, match=r"in units 'MW'; got 'W' instead"):
        check_units(watts, "power", "MW")
    assert check_units(watts, "power", ["W", "MW"]) is watts
    assert check_units(xr.DataArray([1.0]), "power", "MW").attrs == {}  # unstated: accepted


def test_describe_sets_declared_attrs():
    ds = describe(xr.Dataset({"p": ("x", [1.0])}), {"p": Var("MW", "Power", "IT load")})
    assert ds.p.attrs == {"units": "MW", "long_name": "Power", "description": "IT load"}


# -- time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        2030,
        np.int64(2030),
        2030.0,
        "2030",
        "2030-01-01",
        np.datetime64("2030-06-30"),
        pd.Timestamp("2030-03-01"),
    ],
)
def test_to_year_accepts_every_form(value):
    assert to_year(value) == 2030


@pytest.mark.parametrize("bad", [True, "soon", 2030.5, None])
def test_to_year_rejects(bad):
    with pytest.raises(ParameterError, match="'year'"):
        to_year(bad)


def test_a_bare_year_bounds_the_whole_year():
    assert bound(2010, "start") == np.datetime64("2010-01-01", "ns")
    last = np.datetime64("2021-01-01", "ns") - np.timedelta64(1, "ns")
    assert bound("2020", "end", end=True) == last
    assert bound("2020-06-30", "end", end=True) == np.datetime64("2020-06-30", "ns")
    with pytest.raises(ParameterError, match="'start'"):
        bound("soon", "start")


def test_time_dim_prefers_quarter_and_names_the_parameter():
    both = xr.Dataset(coords={"year": [1, 2], "quarter": [1, 2, 3]})
    assert time_dim(both, "ds") == "quarter" and time_dim(both[["year"]], "ds") == "year"
    with pytest.raises(ParameterError, match="'supply' parameter"):
        time_dim(xr.DataArray([1.0], dims="draw"), "supply")


def test_select_year_on_datetime_and_int_coords():
    dated = xr.DataArray([1.0, 2.0], dims="year", coords={"year": year_coord([2029, 2030])})
    assert float(select_year(dated, "2030-01-01")) == 2.0
    ints = xr.DataArray([1.0, 2.0], dims="year", coords={"year": [2029, 2030]})
    assert float(select_year(ints, 2029)) == 1.0
    assert list(years_of(dated.year)) == [2029, 2030]
    with pytest.raises(ParameterError, match="2029–2030"):
        select_year(dated, 2040)


def test_quarter_label():
    assert quarter_label("2024-04-01") == "2024 Q2"
    assert quarter_label(pd.Period("2025Q4")) == "2025 Q4"


def test_vector_checks_name_the_parameter_and_the_first_bad_value():
    from workbench._validation import check_enough_points, check_positive, check_same_lengths
    from workbench.errors import FitError

    @public
    def fit(x, y):
        xs, ys = check_positive(x, "x"), check_positive(y, "y")
        check_enough_points(check_same_lengths(x=xs, y=ys), 3, "a line")

    with pytest.raises(
        ParameterError,
        match=r"'x' parameter of \S*fit must be strictly positive; "
        r"got '1 value\(s\) <= 0 \(first at position 1: -2\)'",
    ):
        fit([1.0, -2.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(ParameterError, match=r"'y' parameter of \S*fit must be finite"):
        fit([1.0, 2.0, 3.0], [1.0, np.nan, 3.0])
    with pytest.raises(ParameterError, match=r"'x' parameter .* as long as the other inputs"):
        fit([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(FitError, match=r"fit needs at least 3 points to fit a line; got 2"):
        fit([1.0, 2.0], [1.0, 2.0])


def test_merge_skips_absent_inputs_and_fresh_attrs_drops_them():
    from workbench._provenance import fresh_attrs

    a = xr.DataArray([1.0], dims="x", attrs={"source": "A", "license": "L", "units": "MW"})
    assert merge(a, None, method="m")["source"] == "m over: A"

    @fresh_attrs
    def double(v):
        return v * 2

    assert double(a).attrs == {}


def test_quarter_coord_is_datetime_at_the_quarter_start_with_a_name():
    quarters = pd.date_range("2024-01-01", periods=3, freq="QS")
    ds = xr.Dataset(coords={"quarter": quarter_coord(quarters)})
    assert ds["quarter"].dtype == np.dtype("datetime64[ns]")
    assert ds["quarter"].attrs["long_name"] == "Calendar quarter"
    assert quarter_label(ds["quarter"].values[1]) == "2024 Q2"
