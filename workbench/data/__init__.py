"""Data: the bundled curated tables, readers of publishers' formats, and downloads.

>>> from workbench import data
>>> {"accelerators", "models", "token_volume", "vendor_revenue"} <= set(data.list_datasets())
True
"""

from workbench.data.catalog import (
    data_dir,
    dataset_path,
    list_datasets,
    load,
    load_table,
    read_metadata,
    table_from,
)
from workbench.data.chips import chip_specs
from workbench.data.describe import coverage, describe, inventory
from workbench.data.epoch import read_epoch_chip_sales, read_epoch_hardware, read_epoch_models
from workbench.data.fetch import (
    PREFERRED_REMOTE,
    REMOTE_DATASETS,
    cache_dir,
    cached_path,
    fetch,
    load_best,
)
from workbench.data.fiscal import to_calendar_quarters
from workbench.data.reference import H100E_CHIP, H100E_PRECISION, h100e_peak
from workbench.data.sources import (
    AGGREGATOR_DOMAINS,
    SOURCE_QUALITIES,
    aggregator_sources,
    check_tables,
    count_findings,
    primary_share,
)
from workbench.data.table import Column, Schema, Stack, file_sha256, read_table

__all__ = [
    "AGGREGATOR_DOMAINS",
    "H100E_CHIP",
    "H100E_PRECISION",
    "PREFERRED_REMOTE",
    "REMOTE_DATASETS",
    "SOURCE_QUALITIES",
    "Column",
    "Schema",
    "Stack",
    "aggregator_sources",
    "cache_dir",
    "cached_path",
    "check_tables",
    "chip_specs",
    "count_findings",
    "coverage",
    "data_dir",
    "dataset_path",
    "describe",
    "fetch",
    "file_sha256",
    "h100e_peak",
    "inventory",
    "list_datasets",
    "load",
    "load_best",
    "load_table",
    "primary_share",
    "read_epoch_chip_sales",
    "read_epoch_hardware",
    "read_epoch_models",
    "read_metadata",
    "read_table",
    "table_from",
    "to_calendar_quarters",
]
