"""Readers for Epoch AI's public CSV exports, in the exact format users download.

Epoch AI (https://epoch.ai/data) publishes its AI models database, its ML hardware table and
its AI chip sales estimates as CSV. These readers map the publisher's column names onto the
workbench's variable names and units, keeping every row: a repeated name is kept with a
suffix and a warning, a row without a name is skipped with a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from workbench.data.table import Column, Schema, Stack, read_table
from workbench.errors import DataError

__all__ = ["read_epoch_chip_sales", "read_epoch_hardware", "read_epoch_models"]

# Epoch writes 0 where a quantity is unknown; it loads as NaN (missing), never as 0.
POSITIVE = {"min": 0.0, "exclusive_min": True, "zero_is_missing": True}
NON_NEGATIVE = {"min": 0.0}

MODELS_SCHEMA = Schema(
    index=("model",),
    columns=(
        Column("model", header="Model", long_name="Model name"),
        Column(
            "publication_date",
            "date",
            header="Publication date",
            required=True,
            long_name="Publication date",
        ),
        Column("organization", header="Organization", long_name="Organization"),
        Column("country", header="Country (of organization)", long_name="Country of organization"),
        Column("domain", header="Domain", long_name="Domain(s)"),
        Column("task", header="Task", long_name="Task(s)"),
        Column(
            "notability_criteria", header="Notability criteria", long_name="Notability criteria"
        ),
        Column(
            "parameters",
            "float",
            units="1",
            header="Parameters",
            long_name="Parameters",
            **POSITIVE,
        ),
        Column(
            "training_compute",
            "float",
            units="FLOP",
            header="Training compute (FLOP)",
            long_name="Training compute",
            **POSITIVE,
        ),
        Column(
            "training_data_size",
            "float",
            units="1",
            header="Training dataset size (datapoints)",
            long_name="Training dataset size (datapoints)",
            **POSITIVE,
        ),
        Column(
            "training_time",
            "float",
            units="hour",
            header="Training time (hours)",
            long_name="Training time",
            **POSITIVE,
        ),
        Column("training_hardware", header="Training hardware", long_name="Training hardware"),
        Column(
            "hardware_quantity",
            "float",
            units="1",
            header="Hardware quantity",
            long_name="Number of training chips",
            **POSITIVE,
        ),
        Column(
            "hardware_utilization",
            "float",
            units="1",
            header="Hardware utilization (MFU)",
            min=0.0,
            long_name="Model FLOP utilisation, as published (a few rows are percentages)",
        ),
        Column(
            "finetune_compute",
            "float",
            units="FLOP",
            header="Finetune compute (FLOP)",
            long_name="Fine-tuning compute",
            **POSITIVE,
        ),
        Column("accessibility", header="Model accessibility", long_name="Model accessibility"),
        Column("confidence", header="Confidence", long_name="Confidence of the estimates"),
        Column("link", header="Link", long_name="Link"),
    ),
    attrs={
        "title": "Epoch AI: AI models database",
        "source": "Epoch AI, 'Data on AI Models', https://epoch.ai/data/ai-models",
        "license": "CC-BY-4.0",
    },
)

_PRECISIONS = {
    "fp64": "FP64 (double precision) performance (FLOP/s)",
    "fp32": "FP32 (single precision) performance (FLOP/s)",
    "fp16": "FP16 (half precision) performance (FLOP/s)",
    "tf32": "TF32 (TensorFloat-32) performance (FLOP/s)",
    "bf16": "Tensor-FP16/BF16 performance (FLOP/s)",
    "fp8": "FP8 performance (FLOP/s)",
    "fp4": "FP4 performance (FLOP/s)",
    "int8": "INT8 performance (OP/s)",
    "int4": "INT4 performance (OP/s)",
}

HARDWARE_SCHEMA = Schema(
    index=("chip",),
    columns=(
        Column("chip", header="Hardware name", long_name="Chip"),
        Column("manufacturer", header="Manufacturer", long_name="Manufacturer"),
        Column("family", header="Type", long_name="Chip type"),
        Column("release_date", "date", header="Release date", long_name="Release date"),
        Column(
            "launch_price",
            "float",
            units="USD",
            header="Release price (USD)",
            long_name="Release price",
            **POSITIVE,
        ),
        *(
            Column(f"peak_{p}", "float", units="FLOP/s", header=h, **POSITIVE)
            for p, h in _PRECISIONS.items()
        ),
        Column(
            "memory",
            "float",
            units="byte",
            header="Memory size per board (Byte)",
            long_name="Memory per board",
            **POSITIVE,
        ),
        Column(
            "memory_bandwidth",
            "float",
            units="byte/s",
            header="Memory bandwidth (byte/s)",
            long_name="Memory bandwidth",
            **POSITIVE,
        ),
        Column(
            "interconnect_bandwidth",
            "float",
            units="byte/s",
            header="Intranode bandwidth (byte/s)",
            long_name="Intranode bandwidth",
            **POSITIVE,
        ),
        Column(
            "tdp",
            "float",
            units="W",
            header="TDP (W)",
            long_name="Thermal design power",
            **POSITIVE,
        ),
        Column(
            "process_size",
            "float",
            units="nm",
            header="Process size (nm)",
            long_name="Process size",
            **POSITIVE,
        ),
        Column("foundry", header="Foundry", long_name="Foundry"),
    ),
    stacks=(
        Stack(
            "peak_flops",
            dim="precision",
            columns={p: f"peak_{p}" for p in _PRECISIONS},
            units="FLOP/s",
            long_name="Peak throughput",
            description="As the publisher lists it (int8/int4 in OP/s); not checked for sparsity.",
        ),
    ),
    attrs={
        "title": "Epoch AI: machine learning hardware",
        "source": "Epoch AI, 'Data on Machine Learning Hardware', "
        "https://epoch.ai/data/machine-learning-hardware",
        "license": "CC-BY-4.0",
    },
)

CHIP_SALES_SCHEMA = Schema(
    index=("name",),
    columns=(
        Column("name", header="Name", long_name="Row label"),
        Column("manufacturer", header="Chip manufacturer", long_name="Chip manufacturer"),
        Column("start_date", "date", header="Start date", required=True, long_name="Period start"),
        Column("end_date", "date", header="End date", required=True, long_name="Period end"),
        Column(
            "h100e_median",
            "float",
            units="1",
            header="Compute estimate in H100e (median)",
            **NON_NEGATIVE,
        ),
        Column("h100e_p05", "float", units="1", header="H100e (5th percentile)", **NON_NEGATIVE),
        Column("h100e_p95", "float", units="1", header="H100e (95th percentile)", **NON_NEGATIVE),
        Column("units_median", "float", units="1", header="Number of Units", **NON_NEGATIVE),
        Column(
            "units_p05",
            "float",
            units="1",
            header="Number of Units (5th percentile)",
            **NON_NEGATIVE,
        ),
        Column(
            "units_p95",
            "float",
            units="1",
            header="Number of Units (95th percentile)",
            **NON_NEGATIVE,
        ),
        Column("chip", header="Chip type", required=True, long_name="Chip"),
        Column("notes", header="Notes", long_name="Notes"),
    ),
    stacks=(
        Stack(
            "h100e",
            dim="quantile",
            columns={0.05: "h100e_p05", 0.5: "h100e_median", 0.95: "h100e_p95"},
            units="1",
            long_name="H100-equivalents shipped",
        ),
        Stack(
            "units",
            dim="quantile",
            columns={0.05: "units_p05", 0.5: "units_median", 0.95: "units_p95"},
            units="1",
            long_name="Units shipped",
        ),
    ),
    ordered=(
        ("start_date", "end_date"),
        ("h100e_p05", "h100e_median", "h100e_p95"),
        ("units_p05", "units_median", "units_p95"),
    ),
    attrs={
        "title": "Epoch AI: AI chip sales estimates",
        "source": "Epoch AI, 'AI Chip Sales', https://epoch.ai/data/ai-chip-sales",
        "license": "MIT",
    },
)


def read_epoch_models(path: str | Path) -> xr.Dataset:
    """Read Epoch AI's AI models database CSV (``all_ai_models.csv`` or notable subset).

    Returns a Dataset on dimension ``model`` with, among others, ``publication_date``
    (datetime64), ``training_compute`` (FLOP), ``parameters``, ``training_data_size``,
    ``organization``, ``country``, ``domain`` and ``notable`` (True where the publisher lists
    notability criteria).

    Raises
    ------
    DataError
        A required column is missing, or a cell cannot be parsed (naming line and column).
    """
    ds = read_table(path, MODELS_SCHEMA, on_duplicate="rename", on_missing_key="skip")
    notable = ds["notability_criteria"] != ""
    ds["notable"] = notable.assign_attrs(long_name="Notable (meets a notability criterion)")
    return ds


def read_epoch_hardware(path: str | Path) -> xr.Dataset:
    """Read Epoch AI's ML hardware CSV (UTF-8 with a byte-order mark).

    Returns a Dataset on dimensions ``chip`` and ``precision`` with ``peak_flops``
    (FLOP/s by precision), ``memory`` (byte), ``memory_bandwidth`` (byte/s), ``tdp`` (W),
    ``release_date`` and ``launch_price`` (USD).
    """
    return read_table(
        path, HARDWARE_SCHEMA, on_duplicate="rename", on_missing_key="skip", on_short_row="skip"
    )


def read_epoch_chip_sales(path: str | Path) -> xr.Dataset:
    """Read one of Epoch AI's AI chip sales CSVs (e.g. ``tpu_calendar_quarter_chip_timelines``).

    Returns a Dataset on dimensions ``quarter`` (datetime64, period start), ``chip`` and
    ``quantile`` (0.05, 0.5, 0.95) with ``units`` and ``h100e`` shipped per quarter; a
    chip with no estimate in a quarter is NaN.
    """
    rows = read_table(path, CHIP_SALES_SCHEMA)
    quarter = rows["start_date"].values.astype("datetime64[M]")
    bad = (quarter.astype("datetime64[M]").astype(int) % 3) != 0
    if bad.any():
        first = str(rows["name"].values[int(np.argmax(bad))])
        raise DataError(
            f"row {first!r} does not start on a calendar quarter", path=path, column="Start date"
        )
    rows = rows.assign_coords(
        quarter=("name", quarter.astype("datetime64[ns]")), chip_name=("name", rows["chip"].values)
    )
    keys = list(zip(rows["quarter"].values, rows["chip_name"].values, strict=True))
    if len(set(keys)) != len(keys):
        raise DataError("a (quarter, chip) pair appears twice", path=path, column="Chip type")
    by_pair = rows[["units", "h100e"]].set_index(name=["quarter", "chip_name"]).unstack("name")
    by_pair = by_pair.rename(chip_name="chip").transpose("quarter", "chip", "quantile")
    for var in ("units", "h100e"):
        by_pair[var].attrs = rows[var].attrs
    by_pair["manufacturer"] = (
        rows["manufacturer"].groupby(rows["chip_name"]).first().rename(chip_name="chip")
    )
    by_pair["quarter"].attrs = {"long_name": "Calendar quarter (start)"}
    by_pair.attrs = rows.attrs
    return by_pair
