"""The outlook's figures for benchmarks/RESULTS.md: headline, calibration, backtest, published.

Not a timing: the numbers the closing notes and RESULTS.md quote, from one run of the bundled
data (base scenario, seed 0), so that they are reproduced by a command rather than copied.

    python benchmarks/outlook_figures.py [n_draws]
"""

from __future__ import annotations

import sys
import warnings

import numpy as np


def _interval(at, name, scale=1.0, fmt="{:.3g}"):
    low, mid, high = (float(v) * scale for v in at[name].values)
    return f"{fmt.format(mid)} ({fmt.format(low)}-{fmt.format(high)})"


def headline_table(tree, years=(2026, 2030)) -> None:
    from workbench import gap

    print("| | " + " | ".join(f"{y} prior | {y} posterior" for y in years) + " |")
    print("|---|" + "---|---|" * len(years))
    rows = {
        "supply, million H100e": ("supply_h100e", 1e-6),
        "demand, million H100e": ("demand_h100e", 1e-6),
        "supply / demand": ("ratio", 1.0),
    }
    cells = {label: [] for label in [*rows, "P(demand > supply)"]}
    for year in years:
        for prior in (True, False):
            at = gap.headline(tree, year, prior=prior)
            for label, (name, scale) in rows.items():
                cells[label].append(_interval(at, name, scale))
            cells["P(demand > supply)"].append(f"{float(at['shortfall_probability']):.0%}")
    for label, values in cells.items():
        print(f"| {label} | " + " | ".join(values) + " |")


def main() -> None:
    from workbench import gap

    warnings.simplefilter("ignore")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tree = gap.outlook(n_draws=n, seed=0)
    print(f"## Headline, base scenario, {n:,} draws, seed 0 (defaults)\n")
    headline_table(tree)
    record = tree["calibration"].to_dataset()
    print(f"\nESS {float(record['ess']):,.0f} of {n:,} ({tree['calibration'].attrs['stage']})")
    print("\nMoved most (prior median -> posterior median, posterior 90%):")
    shift = record["input_shift"]
    for i in np.argsort(-np.abs(shift.values))[:8]:
        prior = record["input_prior"].isel(input=i).values
        post = record["input_posterior"].isel(input=i).values
        name = str(record["input"].values[i])
        print(
            f"- {name}: {prior[1]:.3g} -> {post[1]:.3g} ({post[0]:.3g}-{post[2]:.3g}); "
            f"prior 90% {prior[0]:.3g}-{prior[2]:.3g}"
        )
    demand = tree["demand"].to_dataset()
    print("\nDemand by workload (share of H100e, year's mean, median):")
    for year in range(2024, 2031):
        d = demand.sel(quarter=str(year)).mean("quarter")
        shares = {
            w: float(np.median(d[f"{w}_h100e"] / d["h100e"]))
            for w in ("inference", "training", "other")
        }
        print(f"- {year}: " + ", ".join(f"{w} {s:.0%}" for w, s in shares.items()))
    supply = tree["supply"].to_dataset()
    print("\nFacility W per H100e, year's mean, median (the fleet's; demand's own efficiency):")
    for year in (2024, 2026, 2028, 2030):
        s_year = supply.sel(quarter=str(year)).mean("quarter")
        d_year = demand.sel(quarter=str(year)).mean("quarter")
        fleet = float(np.median(s_year["power"] / s_year["h100e"])) * 1e6
        own = float(np.median(d_year["power"] / d_year["h100e"])) * 1e6
        print(f"- {year}: fleet {fleet:,.0f} W, demand's own {own:,.0f} W")
    capped = gap.outlook(n_draws=n, seed=0, power_ceiling=True)
    print("\n## With the grid-power ceiling (power_ceiling=True)\n")
    headline_table(capped)
    print("\n## Published estimates (calibrated, defaults)\n")
    table = gap.compare_published(tree)
    print("| estimate | theirs | ours (90%) | ratio |\n|---|---|---|---|")
    for name in table["estimate"].values:
        row = table.sel(estimate=name)
        print(
            f"| {name} | {float(row['published_median']):.4g} {row['units'].item()!s} | "
            f"{float(row['ours_median']):.4g} ({float(row['ours_lower']):.3g}-"
            f"{float(row['ours_upper']):.3g}) | {float(row['ratio']):.3g} |"
        )
    for power_ceiling in (False, True):
        print(f"\n## Backtest (gap.backtest(power_ceiling={power_ceiling}))\n")
        checked = gap.backtest(power_ceiling=power_ceiling)
        print(gap.backtest_note(checked))
        print(gap.backtest_scores(checked).to_dataframe().round(3).to_string())


if __name__ == "__main__":
    main()
