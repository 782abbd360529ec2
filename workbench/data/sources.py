"""How good each row's source is, and what a table still needs: the checks behind ``data check``.

Every bundled row cites its own ``source``; a ``source_quality`` column says whether that is the
publisher's own document (``primary``), the best secondary source where no primary exists
(``secondary``: a named research firm or major newspaper) or a derived figure (``estimate``).
Aggregator and content-farm sites are never a source: :data:`AGGREGATOR_DOMAINS` lists the ones
found so far (extend it when another turns up).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd
import xarray as xr

from workbench._time import quarter_key
from workbench.data.describe import newest_date
from workbench.errors import ParameterError

__all__ = [
    "AGGREGATOR_DOMAINS",
    "DEFAULT_MAX_AGE_DAYS",
    "SOURCE_QUALITIES",
    "aggregator_sources",
    "check_tables",
    "count_findings",
    "primary_share",
    "source_domains",
]

SOURCE_QUALITIES = ("primary", "secondary", "estimate")
#: A table whose newest date is older than this (and that states no ``max_age_days``) is stale.
DEFAULT_MAX_AGE_DAYS = 183
#: Sites that republish or generate others' figures; a row citing one has no traceable source.
AGGREGATOR_DOMAINS = frozenset(
    {
        # named in issue 17
        "dailywise.app",
        "moneycheck.com",
        "parameter.io",
        "smbom.com",
        "redplanx.com",
        "slicast.com",
        "techfastforward.com",
        # found while re-sourcing vendor_revenue and in the other tables
        "reportify.ai",
        "letsdatascience.com",
        "getcoai.com",
        "goinvest.com",
        "singularitylogs.com",
        "matterfact.com",
        "earningscall.biz",
        "earningscall.ai",
        "semiconleadersasia.com",
        "themenonlab.com",
        "sectally.pages.dev",
        "moomoo.com",
        "insidermonkey.com",
        "marketbeat.com",
        "aiwiki.ai",
        "aihola.com",
        "aihubx.org",
        "ai-360.online",
        "awesomeagents.ai",
        "fintool.com",
        "fundalyst.xyz",
        "marketsnxt.com",
        "neuronad.com",
        "v3techmedia.online",
        "pulse.bot",
        "newsflash.city",
        "fetchlogic.net",
        # found while bringing models and accelerators up to date (2026-12)
        "pakinomist.com",
        "fdaytalk.com",
        "corsummit.netlify.app",
        "asicm.co",
        "bitsminds.com",
        "learnaivisually.com",
        "covertswarm.com",
        "chatforest.com",
        "vuink.com",  # a mirror that ROT13-encodes the sites it copies
        "thetradable.com",
        "aiportalx.com",
        "findarticles.com",
        "askbobai.com",
        "genaihunt.com",
        "lowdown.today",
        "whatpsu.com",
    }
)
# Words in a row's notes that say its value is not established.
UNCONFIRMED = re.compile(
    r"\bunconfirmed\b|\bnot (?:yet )?(?:confirmed|verified|retrieved)\b|\bunverified\b|"
    r"\bcould not (?:be )?(?:confirm|verif|find|retriev)|\bto be confirmed\b|\bTBC\b|"
    r"\bplaceholder\b|\brumou?red\b",
    re.IGNORECASE,
)
_URL_HOST = re.compile(r"https?://([^/\s;,)\"']+)", re.IGNORECASE)


def source_domains(text: str) -> list[str]:
    """The host names of the URLs in a ``source`` cell, lower case, without ``www.``."""
    hosts = (h.lower().removeprefix("www.").split(":")[0] for h in _URL_HOST.findall(text))
    return list(dict.fromkeys(hosts))


def _is_aggregator(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in AGGREGATOR_DOMAINS)


def _rows(ds: xr.Dataset, var: str = "source") -> pd.Series:
    """The table's rows (those with a source) as a Series of ``var``, indexed by the key."""
    present = ds["source"].to_series()
    present = present[present.astype(str) != ""]
    values = ds[var].to_series().reindex(present.index)
    return values


def _label(key) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ", ".join(quarter_key(p) if isinstance(p, pd.Timestamp) else str(p) for p in parts)


def aggregator_sources(ds: xr.Dataset) -> list[tuple[str, str]]:
    """``(row, domain)`` for every row of ``ds`` whose ``source`` cites an aggregator site."""
    found = []
    for key, text in _rows(ds).items():
        for host in source_domains(str(text)):
            if _is_aggregator(host):
                found.append((_label(key), host))
    return found


def primary_share(ds: xr.Dataset) -> float:
    """Share of the rows whose ``source_quality`` is ``primary`` (NaN without that column)."""
    if "source_quality" not in ds or "source" not in ds:
        return float("nan")
    quality = _rows(ds, "source_quality")
    return float((quality == "primary").mean()) if len(quality) else float("nan")


def check_tables(
    names: Sequence[str] | None = None,
    *,
    max_age_days: int | None = None,
    today: date | None = None,
) -> xr.Dataset:
    """What the bundled tables still need: stale tables, rows without a primary source, rows
    whose notes say a value is unconfirmed, and rows citing an aggregator site.

    Parameters
    ----------
    names
        Tables to check (default: all bundled tables).
    max_age_days
        A table is stale when its newest date is older than this many days; default: the
        table's own ``max_age_days`` attribute, else :data:`DEFAULT_MAX_AGE_DAYS`.
    today
        The date to measure age from (default: today, UTC).

    Returns
    -------
    xarray.Dataset
        One entry per finding along ``finding``: ``table``, ``row`` (the row's key, empty for
        a whole-table finding), ``kind`` (``stale``, ``no source_quality``, ``not primary``,
        ``unconfirmed`` or ``aggregator``) and ``detail``. No entries means the tables are clean.
    """
    from workbench.data.catalog import list_datasets, load

    if max_age_days is not None and (
        isinstance(max_age_days, bool) or not isinstance(max_age_days, int) or max_age_days < 1
    ):
        raise ParameterError.invalid(
            "max_age_days", "check_tables", "a positive integer", max_age_days
        )
    today = today or pd.Timestamp.now(tz="UTC").date()
    findings: list[tuple[str, str, str, str]] = []
    for name in names if names is not None else list_datasets():
        ds = load(name)
        findings.extend((name, *f) for f in _check_one(ds, max_age_days, today))
    columns = list(zip(*findings, strict=True)) if findings else [[], [], [], []]
    return xr.Dataset(
        {
            var: ("finding", np.array(values, dtype=object), {"long_name": long_name})
            for var, values, long_name in zip(
                ("table", "row", "kind", "detail"),
                columns,
                ("Table", "Row (key)", "Kind of finding", "Detail"),
                strict=True,
            )
        },
        attrs={
            "title": "Findings of workbench data check",
            "source": "workbench.data.check_tables over the bundled tables (data/)",
            "as_of": today.isoformat(),
        },
    )


def count_findings(findings: xr.Dataset) -> xr.Dataset:
    """How many findings of each kind each table has: ``count`` along ``table`` and ``kind``.

    The short view of :func:`check_tables` for a report (the full list can run to hundreds
    of rows: every assumption row is an estimate by nature).
    """
    frame = pd.DataFrame({k: findings[k].values for k in ("table", "kind")})
    counts = frame.groupby(["table", "kind"]).size().unstack("kind", fill_value=0)
    return xr.Dataset(
        {
            kind: (
                "table",
                counts[kind].to_numpy(dtype=int),
                {"units": "count", "long_name": f"Findings: {kind}"},
            )
            for kind in counts.columns
        },
        coords={"table": counts.index.to_numpy(dtype=object)},
        attrs={**findings.attrs, "title": "Findings of workbench data check, by table"},
    )


def _check_one(ds: xr.Dataset, max_age_days, today) -> Iterable[tuple[str, str, str]]:
    limit = max_age_days or int(float(ds.attrs.get("max_age_days", DEFAULT_MAX_AGE_DAYS)))
    newest = newest_date(ds)
    if not np.isnat(newest):
        age = (pd.Timestamp(today) - pd.Timestamp(newest)).days
        if age > limit:
            yield (
                "",
                "stale",
                f"newest date {pd.Timestamp(newest).date()} is {age} days old (limit {limit})",
            )
    if "source" not in ds:
        yield "", "no source", "the table has no per-row source column"
        return
    rows = _rows(ds)
    if "source_quality" in ds:
        quality = _rows(ds, "source_quality")
        for key, value in quality.items():
            if value != "primary":
                yield _label(key), "not primary", f"source_quality is {value or 'empty'!r}"
    else:
        yield "", "no source_quality", f"{len(rows)} rows without a source_quality column"
    if "notes" in ds:
        for key, text in _rows(ds, "notes").items():
            match = UNCONFIRMED.search(str(text))
            if match:
                yield _label(key), "unconfirmed", f"notes say {match.group(0)!r}"
    for row, host in aggregator_sources(ds):
        yield row, "aggregator", f"cites {host}"
