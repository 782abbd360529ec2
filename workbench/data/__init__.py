"""Data: the bundled curated tables, readers of publishers' formats, and downloads.

>>> from workbench import data
>>> {"accelerators", "models", "token_volume", "vendor_revenue"} <= set(data.list_datasets())
True
"""

from workbench._lazy import lazy_package

# Each public name and the module that defines it, imported when first used: what needs only
# the files (``workbench status`` hashing the tables, :mod:`.paths`) does not load xarray,
# pandas and jsonschema, which reading a table needs.
_HOMES = {
    "catalog": ("load", "load_table", "read_metadata", "table_from"),
    "chips": ("chip_specs",),
    "describe": ("coverage", "describe", "inventory"),
    "epoch": ("read_epoch_chip_sales", "read_epoch_hardware", "read_epoch_models"),
    "fetch": (
        "PREFERRED_REMOTE",
        "REMOTE_DATASETS",
        "cache_dir",
        "cached_path",
        "fetch",
        "load_best",
    ),
    "fiscal": ("to_calendar_quarters",),
    "paths": ("data_dir", "dataset_path", "file_sha256", "list_datasets"),
    "reference": ("H100E_CHIP", "H100E_PRECISION", "h100e_peak"),
    "sources": (
        "AGGREGATOR_DOMAINS",
        "SOURCE_QUALITIES",
        "aggregator_sources",
        "check_tables",
        "count_findings",
        "primary_share",
    ),
    "table": ("Column", "Schema", "Stack", "read_table"),
}

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


lazy_package(__name__, _HOMES, submodules=["metadata"])
