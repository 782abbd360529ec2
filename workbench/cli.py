"""The command line: ``workbench data …`` (the data layer) and ``workbench report …`` (reports)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from workbench import __version__
from workbench.errors import ParameterError, WorkbenchError

app = typer.Typer(
    help="Compute Workbench: the economics of AI compute, on xarray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Bundled datasets and publishers' downloads.", no_args_is_help=True)
app.add_typer(data_app, name="data")


LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _set_verbose(value: bool) -> bool:
    """Log progress (INFO) if asked, else warnings only, through one handler (each line once).

    Accepted before the subcommand (``workbench -v report``) and on every subcommand
    (``workbench report -v``).
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    if value:
        root.setLevel(logging.INFO)
    return value


#: ``-v`` / ``--verbose`` for every subcommand.
Verbose = Annotated[
    bool,
    typer.Option("--verbose", "-v", callback=_set_verbose, is_eager=True, help="Log progress."),
]


def _version(value: bool):
    if value:
        typer.echo(f"compute-workbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    verbose: Verbose = False,
):
    """Compute Workbench: scaling trends, chip supply, inference demand and the compute gap."""


#: Exit status of `workbench report`: all up to date, some failed, refused before running.
EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


def fail(exc: WorkbenchError, code: int = EXIT_FAILED) -> typer.Exit:
    """Print a workbench error as one readable line and give exit status ``code``."""
    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=code)


@data_app.command("list")
def data_list(verbose: Verbose = False):
    """List the bundled datasets and the downloadable ones."""
    from workbench import data

    try:
        for name in data.list_datasets():
            ds = data.load(name)
            dims = ", ".join(f"{d}={n}" for d, n in ds.sizes.items())
            typer.echo(
                f"{name:<16} {ds.attrs.get('title', '')}  ({dims}; as of "
                f"{ds.attrs.get('as_of', '?')})"
            )
        typer.echo("\ndownloadable with `workbench data fetch NAME`:")
        for name, remote in data.REMOTE_DATASETS.items():
            typer.echo(f"{name:<24} {remote.description}")
    except WorkbenchError as exc:
        raise fail(exc) from None


@data_app.command("show")
def data_show(
    name: Annotated[str, typer.Argument(help="A bundled dataset's name.")],
    verbose: Verbose = False,
):
    """Summarise a bundled dataset: dimensions, variables with units, coverage, source."""
    from workbench import data

    try:
        typer.echo(data.describe(data.load(name), name=name))
    except WorkbenchError as exc:
        raise fail(exc) from None


@data_app.command("check")
def data_check(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Bundled tables to check (default: all).", show_default=False),
    ] = None,
    max_age: Annotated[
        int | None,
        typer.Option(
            "--max-age",
            metavar="DAYS",
            min=1,
            help="A table whose newest date is older than this is stale (default: the table's "
            "max_age_days, else 183).",
            show_default=False,
        ),
    ] = None,
    verbose: Verbose = False,
):
    """List what the tables still need: stale tables, rows without a primary source, rows whose
    notes say a value is unconfirmed, rows citing an aggregator site. Exits 1 if any."""
    from workbench import data

    try:
        found = data.check_tables(names or None, max_age_days=max_age)
    except WorkbenchError as exc:
        raise fail(exc) from None
    tables = list(dict.fromkeys(found["table"].values))
    for table in tables:
        mine = found.where(found["table"] == table, drop=True)
        typer.echo(f"{table}: {mine.sizes['finding']} finding(s)")
        for row, kind, detail in zip(
            mine["row"].values, mine["kind"].values, mine["detail"].values, strict=True
        ):
            typer.echo(f"  {kind:<18} {row + ': ' if row else ''}{detail}")
    if tables:
        typer.echo(f"{found.sizes['finding']} finding(s) in {len(tables)} table(s)")
        raise typer.Exit(code=1)
    typer.echo("all tables clean")


@data_app.command("fetch")
def data_fetch(
    name: Annotated[str, typer.Argument(help="A downloadable dataset's name.")],
    url: Annotated[str | None, typer.Option(help="Download from this address instead.")] = None,
    verbose: Verbose = False,
):
    """Download a publisher's latest CSV into the user cache and summarise it."""
    from workbench import data

    try:
        ds = data.fetch(name, url=url)
    except WorkbenchError as exc:
        raise fail(exc) from None
    typer.echo(data.describe(ds, name=name))
    typer.echo(f"  saved to: {ds.attrs['cache_path']} (downloaded {ds.attrs.get('downloaded')})")


@app.command("report")
def report(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Notebooks to run: names in the notebooks folder or paths to .ipynb files. "
            "Default: all of them, compute_outlook first. With --config: entries of the file.",
            show_default=False,
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="KEY=VALUE",
            help="Set a notebook parameter (repeatable). The value parses by the parameter's "
            "declared type: numbers, true/false, lists as a,b, else text (docs/reports.md).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Reports folder (default: ./reports).", show_default=False),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild reports that are up to date too.")
    ] = False,
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            "--sweep",
            metavar="KEY=V1,V2",
            help="Build one report per value into reports/NAME/KEY=VALUE/ (repeatable: every "
            "combination).",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Reports built at once, each in its own process (default: 1).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDR",
            help="Build on a dask.distributed cluster (tcp://HOST:PORT) sharing these files.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", metavar="FILE", help="Build the reports a batch file lists (reports.toml)."
        ),
    ] = None,
    show_code: Annotated[
        bool,
        typer.Option(
            "--show-code", help="Show each cell's code in the HTML, folded (hidden by default)."
        ),
    ] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Hide code in the HTML (the default).")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="LANG",
            help="Build the reports in this language: en or zh (Simplified Chinese), into "
            "reports/zh/NAME/ for zh. Default: each notebook's own (English).",
            show_default=False,
        ),
    ] = None,
    cell_timeout: Annotated[
        int | None,
        typer.Option(
            "--cell-timeout",
            metavar="SECONDS",
            min=1,
            help="Fail a report whose cell runs longer than this (default: no limit).",
            show_default=False,
        ),
    ] = None,
    max_output: Annotated[
        float | None,
        typer.Option(
            "--max-output",
            metavar="MB",
            min=0.001,
            help="Megabytes of output each cell keeps; the rest is cut, with a note in the "
            "report (default: 10).",
            show_default=False,
        ),
    ] = None,
    retries: Annotated[
        int | None,
        typer.Option(
            "--retries",
            min=0,
            help="Try a report again this many times when its kernel dies or a cell times out "
            "(default: 0).",
            show_default=False,
        ),
    ] = None,
    retry_delay: Annotated[
        float | None,
        typer.Option(
            "--retry-delay",
            metavar="SECONDS",
            min=0,
            help="Seconds before the first retry; each further one waits twice as long "
            "(default: 10).",
            show_default=False,
        ),
    ] = None,
    on_failure: Annotated[
        str | None,
        typer.Option(
            "--on-failure",
            metavar="CMD",
            help="Run this shell command if any report failed, with a JSON account of the "
            "failures on its standard input.",
        ),
    ] = None,
    on_success: Annotated[
        str | None,
        typer.Option(
            "--on-success",
            metavar="CMD",
            help="Run this shell command if every report is up to date, with the same JSON.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Say which reports would be built and why, without running or writing anything.",
        ),
    ] = False,
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            min=1,
            help="Good builds kept per report as its history (default: 20); see "
            "`workbench report diff NAME [OLD NEW]`.",
            show_default=False,
        ),
    ] = None,
    verbose: Verbose = False,
):
    """Build reports: run notebooks headless into HTML, skipping those that are up to date.

    Writes reports/NAME/NAME.html, NAME.ipynb and manifest.json, the gallery
    reports/index.html and reports/summary.json; exits 1 if any report failed, 2 if the
    run was refused before any report ran (a bad parameter, batch file or folder).

    `workbench report diff NAME [OLD NEW]` prints what changed between two kept builds of a
    report (default: the two newest): headline values, parameters, data, code, packages.
    """
    from workbench import reports

    if names and names[0] == "diff":
        _diff(names[1:], out)
        return
    started = datetime.now(UTC)
    try:
        batch = None
        if config is not None:
            if param or sweep:
                raise ParameterError(
                    "-p and --sweep do not combine with --config: put parameters and sweeps "
                    f"in {config}"
                )
            batch = reports.load_config(config)
            requests = batch.select(names or [])
        else:
            requests = reports.requests_for(names or [], param or [], sweep or [])
        out_dir = out or (batch and batch.out) or Path("reports")
        show_code = show_code or bool(batch and batch.show_code)
        no_input = no_input or bool(batch and batch.no_input) or not show_code
        jobs = jobs or (batch and batch.jobs) or 1
        scheduler = scheduler or (batch and batch.scheduler) or None
        if scheduler:
            reports.check_scheduler(scheduler)  # before planning: no dataset read, no kernel
        cell_timeout = cell_timeout or (batch and batch.cell_timeout) or None
        max_output = max_output or (batch and batch.max_output) or 10
        tasks = reports.plan(
            requests,
            out_dir,
            no_input=no_input,
            force=force,
            cell_timeout=cell_timeout,
            max_output=round(max_output * 1e6),
            retries=_first(retries, batch and batch.retries, 0),
            retry_delay=_first(retry_delay, batch and batch.retry_delay, 10.0),
            keep=_first(keep, batch and batch.keep, reports.KEEP_BUILDS),
            lang=lang,
        )
    except WorkbenchError as exc:
        raise fail(exc, EXIT_REFUSED) from None
    if dry_run:
        _explain(tasks)
        return

    sequential = (jobs == 1 or len(tasks) == 1) and not scheduler
    progress = (_Progress if sequential else _ParallelProgress)(len(tasks))
    root = logging.getLogger()
    plain = list(root.handlers)
    above = _AboveProgress(progress)
    root.handlers = [above]  # log lines above the progress line, each once
    try:
        outcomes = reports.run_tasks(
            tasks,
            jobs=jobs,
            scheduler=scheduler,
            on_start=progress.start,
            on_outcome=progress.finish,
            on_cell=progress.cell,
        )
    except WorkbenchError as exc:  # before any report ran: the folder, the scheduler
        raise fail(exc, EXIT_REFUSED) from None
    finally:
        root.handlers = plain
    try:
        gallery = reports.write_gallery(out_dir, outcomes)
        summary = reports.write_summary(out_dir, outcomes, started, datetime.now(UTC))
    except WorkbenchError as exc:
        raise fail(exc) from None

    failed = [outcome for outcome in outcomes if not outcome.ok]
    hook = (on_failure or (batch and batch.on_failure)) if failed else None
    if not failed:
        hook = on_success or (batch and batch.on_success)
    if hook:
        from workbench.reports.hooks import hook_payload, run_hook

        run_hook(hook, hook_payload(outcomes, summary, gallery))
    counts = {s: sum(o.status == s for o in outcomes) for s in ("built", "skipped", "failed")}
    elapsed = (datetime.now(UTC) - started).total_seconds()
    typer.echo(
        f"{counts['built']} built, {counts['skipped']} up to date, {counts['failed']} failed "
        f"in {elapsed:.1f} s; gallery: {_shown(gallery)}"
    )
    if failed:
        names_failed = ", ".join(outcome.label for outcome in failed)
        typer.secho(f"error: {len(failed)} report(s) failed: {names_failed}", err=True, fg="red")
        raise typer.Exit(code=EXIT_FAILED)


def _diff(arguments: list[str], out: Path | None) -> None:
    """``workbench report diff NAME [OLD NEW]``."""
    from workbench.reports import history
    from workbench.reports.output import check_report_name

    out = out or Path("reports")
    try:
        if len(arguments) not in (1, 3):
            raise ParameterError(
                "usage: workbench report diff NAME [OLD NEW]: a report's name and, optionally, "
                f"two of its build ids (the folders in {out / 'NAME' / '.builds'})"
            )
        name = check_report_name(arguments[0])
        if not (out / name).is_dir():
            raise ParameterError.invalid("NAME", "report diff", f"a report built in {out}", name)
        old, new = (arguments[1], arguments[2]) if len(arguments) == 3 else (None, None)
        typer.echo(history.diff(out / name, old, new))
    except WorkbenchError as exc:
        raise fail(exc, EXIT_REFUSED) from None


@app.command("status")
def status(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Reports (as for `workbench report`); default: all.", show_default=False
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", metavar="KEY=VALUE", help="As for report.")
    ] = None,
    sweep: Annotated[
        list[str] | None, typer.Option("--sweep", metavar="KEY=V1,V2", help="As for report.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Reports folder (default: ./reports).", show_default=False),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", metavar="FILE", help="A batch file (reports.toml).")
    ] = None,
    verbose: Verbose = False,
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="LANG", help="As for report.")
    ] = None,
):
    """Which reports are up to date, and why the others are not; runs and writes nothing.

    The same as `workbench report ... --dry-run`.
    """
    report(names=names, param=param, sweep=sweep, out=out, config=config, lang=lang, dry_run=True)


def _first(*values):
    """The first value that is not None (0 is a value: ``--retries 0`` overrides the file)."""
    return next(value for value in values if value is not None)


def _explain(tasks) -> None:
    """``--dry-run``: one line per report, up to date or what would build it and why."""
    from workbench import reports

    stale = 0
    for task in tasks:
        reasons = reports.reasons_to_build(task)
        stale += bool(reasons)
        state = f"would build: {'; '.join(reasons)}" if reasons else "up to date"
        typer.echo(f"{task.label}: {state}")
    typer.echo(f"{stale} would be built, {len(tasks) - stale} up to date (dry run: nothing ran)")


class _Progress:
    """One line per report: ``[2/5] scaling_laws … built in 14.2 s → reports/…/….html``.

    On a terminal the running report's line also counts its cells (``cell 7/31``), redrawn
    in place; log records are printed above it (:meth:`interrupt`, :meth:`redraw`), so a
    line of progress is never cut by one. Elsewhere (a cron log) there are no cell counts.
    """

    def __init__(self, total: int, stream=None):
        self.total = total
        self.done = 0
        self.started = False
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.line = ""  # the running report's line, not yet ended
        self.cells = ""

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def start(self, task) -> None:
        self.line = f"[{self.done + 1}/{self.total}] {task.label} … "
        self.cells = ""
        self._write(self.line)
        self.started = True

    def cell(self, task, number: int, total: int) -> None:
        """Per-cell progress of the running report (a terminal only)."""
        if self.tty and self.started:
            self.cells = f"cell {number}/{total}"
            self._write(f"\r\033[K{self.line}{self.cells}")

    def interrupt(self) -> None:
        """Make room for a log line: clear the running line, or end it where lines stay."""
        if self.started:
            self._write("\r\033[K" if self.tty else "\n")

    def redraw(self) -> None:
        """Print the running report's line again after a log line."""
        if self.started:
            self._write(self.line + self.cells)

    def finish(self, outcome) -> None:
        self.done += 1
        prefix = "" if self.started else f"[{self.done}/{self.total}] {outcome.label}: "
        if self.started and self.tty:
            self._write(f"\r\033[K{self.line}")
        self.started = False
        _echo_outcome(outcome, prefix)


class _ParallelProgress:
    """Reports built at once (``--jobs``, ``--scheduler``): one line as each ends,
    ``[2/5] chip_supply: built in 35.2 s → reports/…/….html``.

    On a terminal a last line names the running reports with their cells
    (``chip_supply 12/40 · compute_outlook 3/55``), redrawn in place below the ended reports
    and the log lines; elsewhere (a cron log) there are only the ended lines.
    """

    def __init__(self, total: int, stream=None):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.running: dict[str, str] = {}  # label -> "12/40", in the order they started
        self.shown = False  # the running line is on the screen

    def start(self, task) -> None:
        self.running[task.label] = ""
        self.redraw()

    def cell(self, task, number: int, total: int) -> None:
        if task.label in self.running:
            self.running[task.label] = f"{number}/{total}"
            self.redraw()

    def interrupt(self) -> None:
        """Clear the running line, to print a line in its place."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False

    def redraw(self) -> None:
        """Draw the running line (a terminal only), cut to the terminal's width."""
        if not self.tty:
            return
        self.interrupt()
        if not self.running:
            return
        line = " · ".join(f"{label} {cells}".rstrip() for label, cells in self.running.items())
        width = shutil.get_terminal_size().columns - 1
        if len(line) > width:
            line = line[: max(width - 1, 0)] + "…"
        self.stream.write(line)
        self.stream.flush()
        self.shown = True

    def finish(self, outcome) -> None:
        self.running.pop(outcome.label, None)
        self.interrupt()
        self.done += 1
        _echo_outcome(outcome, f"[{self.done}/{self.total}] {outcome.label}: ", self.stream)
        self.redraw()


def _echo_outcome(outcome, prefix: str, stream=None) -> None:
    """``prefix`` and how a report ended: built (and where), up to date, or failed (and why)."""
    if outcome.status == "failed":
        typer.secho(f"{prefix}FAILED after {outcome.duration_s:.1f} s", fg="red", file=stream)
        typer.echo(f"    {outcome.message}", file=stream)
    elif outcome.status == "skipped":
        typer.echo(f"{prefix}up to date", file=stream)
    else:
        typer.echo(
            f"{prefix}built in {outcome.duration_s:.1f} s → {_shown(outcome.html)}", file=stream
        )


class _AboveProgress(logging.Handler):
    """Log records printed above the progress line, each once (see :class:`_Progress`)."""

    def __init__(self, progress: _Progress | _ParallelProgress):
        super().__init__()
        self.progress = progress
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.interrupt()
        sys.stderr.write(self.format(record) + "\n")
        sys.stderr.flush()
        self.progress.redraw()


@app.command("export")
def export(
    target: Annotated[Path, typer.Argument(metavar="DIR", help="The folder to write.")],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="The reports folder to export.")
    ] = Path("reports"),
    verbose: Verbose = False,
):
    """Write the gallery and current reports to DIR as plain files (no links).

    The copy opens from any web server, a zip or file://; DIR is replaced whole if it is an
    earlier export.
    """
    from workbench.reports.export import export_site

    try:
        written = export_site(out, target)
    except WorkbenchError as exc:
        raise fail(exc) from None
    typer.echo(f"{len(written)} files → {target}")


def _shown(path: Path | None) -> str:
    """``path`` relative to the working folder when it is inside it, else absolute."""
    if path is None:
        return ""
    try:
        # abspath, not resolve: the report's files are links, and the link is what to open
        return str(Path(os.path.abspath(path)).relative_to(os.getcwd()))
    except ValueError:  # outside the working folder
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    app()
