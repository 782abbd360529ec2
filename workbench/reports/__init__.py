"""Reports: notebooks run headless by papermill into HTML, incrementally, atomically, in batches.

One module per idea:

- :mod:`~workbench.reports.notebooks`: where the notebooks are; the default suite.
- :mod:`~workbench.reports.params`: declared parameters; parsing ``-p KEY=VALUE``.
- :mod:`~workbench.reports.sweep`: ``--sweep`` values and their cartesian product.
- :mod:`~workbench.reports.keys`: cache keys (notebook, parameters, datasets, version).
- :mod:`~workbench.reports.manifest`: ``manifest.json``, how a report was made.
- :mod:`~workbench.reports.publish`: the report folder, its lock, atomic publishing.
- :mod:`~workbench.reports.runner`: papermill on the workbench's own Python.
- :mod:`~workbench.reports.html`: the page for readers (nbconvert, tags, contents, charts).
- :mod:`~workbench.reports.build`: one report: skip, or run and publish or keep the failure.
- :mod:`~workbench.reports.batch`: planning, and running here, in processes or on dask.
- :mod:`~workbench.reports.config`: ``reports.toml`` batch files.
- :mod:`~workbench.reports.headlines`: the values a notebook records as its headline.
- :mod:`~workbench.reports.history`: the builds a report keeps, and what changed between them.
- :mod:`~workbench.reports.gallery`: ``reports/index.html``.
- :mod:`~workbench.reports.export`: the gallery and reports as plain files (``workbench export``).

The heavy imports (papermill, nbconvert, jupyter_client) happen only when a notebook runs, and
each name of this package is imported when first used, so a suite that is up to date is
checked in well under a second (``workbench status``).

Examples
--------
>>> from workbench import reports
>>> tasks = reports.plan(reports.requests_for(["data_overview"]), "reports")  # doctest: +SKIP
>>> outcomes = reports.run_tasks(tasks)  # doctest: +SKIP
>>> reports.write_gallery("reports")  # doctest: +SKIP
"""

from workbench._lazy import lazy_package

# Each public name and the module that defines it, imported when first used (as the heavy
# imports are): `workbench status` loads the planning and key modules, not the gallery's.
_HOMES = {
    "batch": (
        "ReportRequest",
        "check_scheduler",
        "plan",
        "requests_for",
        "run_tasks",
        "write_summary",
    ),
    "build": ("ReportOutcome", "ReportTask", "build_report", "reasons_to_build"),
    "config": ("BatchConfig", "load_config"),
    "gallery": ("write_gallery",),
    "headlines": ("headline", "headline_of"),
    "keys": ("input_hashes", "report_key"),
    "manifest": ("Manifest", "read_manifest"),
    "notebooks": ("default_suite", "find_notebook", "notebooks_dir"),
    "params": ("NotebookParameter", "check_parameters", "inspect_parameters", "parse_text"),
    "publish": ("KEEP_BUILDS",),
}

__all__ = [
    "KEEP_BUILDS",
    "BatchConfig",
    "Manifest",
    "NotebookParameter",
    "ReportOutcome",
    "ReportRequest",
    "ReportTask",
    "build_report",
    "check_parameters",
    "check_scheduler",
    "default_suite",
    "find_notebook",
    "headline",
    "headline_of",
    "input_hashes",
    "inspect_parameters",
    "load_config",
    "notebooks_dir",
    "parse_text",
    "plan",
    "read_manifest",
    "reasons_to_build",
    "report_key",
    "requests_for",
    "run_tasks",
    "write_gallery",
    "write_summary",
]


lazy_package(
    __name__,
    _HOMES,
    submodules=[
        "export",
        "files",
        "history",
        "hooks",
        "html",
        "kernel",
        "output",
        "runner",
        "sweep",
    ],
)
