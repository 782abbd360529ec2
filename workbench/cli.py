"""The command line: ``workbench data …`` (the data layer) and ``workbench report …`` (reports)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from workbench import __version__
from workbench.errors import WorkbenchError

app = typer.Typer(
    help="Compute Workbench: the economics of AI compute, on xarray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Bundled datasets and publishers' downloads.", no_args_is_help=True)
app.add_typer(data_app, name="data")


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
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
):
    """Compute Workbench: scaling trends, chip supply, inference demand and the compute gap."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def fail(exc: WorkbenchError) -> typer.Exit:
    """Print a workbench error as one readable line and give exit status 1."""
    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@data_app.command("list")
def data_list():
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
            typer.echo(f"{name:<22} {remote.description}")
    except WorkbenchError as exc:
        raise fail(exc) from None


@data_app.command("show")
def data_show(name: Annotated[str, typer.Argument(help="A bundled dataset's name.")]):
    """Summarise a bundled dataset: dimensions, variables with units, coverage, source."""
    from workbench import data

    try:
        typer.echo(data.describe(data.load(name), name=name))
    except WorkbenchError as exc:
        raise fail(exc) from None


@data_app.command("fetch")
def data_fetch(
    name: Annotated[str, typer.Argument(help="A downloadable dataset's name.")],
    url: Annotated[str | None, typer.Option(help="Download from this address instead.")] = None,
):
    """Download a publisher's latest CSV into the user cache and summarise it."""
    from workbench import data

    try:
        ds = data.fetch(name, url=url)
    except WorkbenchError as exc:
        raise fail(exc) from None
    typer.echo(data.describe(ds, name=name))
    typer.echo(f"  saved to: {ds.attrs['cache_path']} (downloaded {ds.attrs.get('downloaded')})")


if __name__ == "__main__":  # pragma: no cover
    app()
