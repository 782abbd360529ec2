"""Chip supply: shipments from public revenue, installed base, forecasts, manufacturing ceilings.

>>> from workbench import supply
>>> shipments = supply.estimate_shipments("NVIDIA", n_draws=1_000, seed=0)
>>> base = supply.installed_base(shipments, lifetime_years=(4, 6))
>>> sorted(base.data_vars)[:4]
['flops', 'h100e', 'h100e_bandwidth', 'it_power']
"""

from workbench.supply.backtest import backtest
from workbench.supply.ceiling import cap_forecast, capacity_ceiling, power_ceiling
from workbench.supply.chips import H100_REFERENCE, REGIONS
from workbench.supply.domestic import domestic_china_shipments, with_domestic_china
from workbench.supply.forecast import forecast
from workbench.supply.installed_base import installed_base, survival
from workbench.supply.methods import METHODS
from workbench.supply.projection import project_shipments, shipment_totals
from workbench.supply.published import compare_by_quarter, compare_to_published
from workbench.supply.shipments import estimate_shipments

__all__ = [
    "H100_REFERENCE",
    "METHODS",
    "REGIONS",
    "backtest",
    "cap_forecast",
    "capacity_ceiling",
    "compare_by_quarter",
    "compare_to_published",
    "domestic_china_shipments",
    "estimate_shipments",
    "forecast",
    "installed_base",
    "power_ceiling",
    "project_shipments",
    "shipment_totals",
    "survival",
    "with_domestic_china",
]
