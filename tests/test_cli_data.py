"""The `workbench` command line: version and data commands."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from workbench import __version__
from workbench.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_data_list_names_every_bundled_table():
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    for name in ("accelerators", "vendor_revenue", "token_volume", "epoch_models"):
        assert name in result.output


def test_data_show_summarises_dims_units_coverage_and_source():
    result = runner.invoke(app, ["data", "show", "accelerators"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "chip (" in out and "precision (7)" in out
    assert "[FLOP/s]" in out and "% filled" in out
    assert "license:" in out and "as_of:" in out


def test_data_show_unknown_name_fails_with_the_choices():
    result = runner.invoke(app, ["data", "show", "nope"])
    assert result.exit_code == 1
    assert "unknown dataset 'nope'" in result.output and "'accelerators'" in result.output


def test_data_fetch_offline_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    # Port 9 on loopback (discard) refuses connections: a download failure without any network.
    result = runner.invoke(
        app, ["data", "fetch", "epoch_models", "--url", "http://127.0.0.1:9/x.csv"]
    )
    assert result.exit_code == 1
    assert "could not download 'epoch_models'" in result.output and "offline" in result.output
    assert not list(tmp_path.glob("*.csv")), "a failed download must leave no file behind"


def test_data_show_gives_the_share_of_primary_rows():
    result = runner.invoke(app, ["data", "show", "vendor_revenue"])
    assert result.exit_code == 0, result.output
    from workbench.data import load

    revenue = load("vendor_revenue")
    rows = int((revenue["source_quality"] != "").sum())  # the filled cells: one per CSV row
    assert f"primary sources: {rows} of {rows} rows (100%)" in result.output  # every vendor row
    result = runner.invoke(app, ["data", "show", "accelerators"])
    chips = load("accelerators").sizes["chip"]
    assert re.search(rf"primary sources: \d+ of {chips} rows \(\d+%\)", result.output), (
        result.output
    )


def test_data_check_lists_findings_and_exits_1(tmp_path, monkeypatch):
    (tmp_path / "t.csv").write_text(
        "k,source,source_quality,notes\na,https://smbom.com/x,secondary,not yet confirmed\n"
    )
    (tmp_path / "t.toml").write_text(
        'title = "t"\nlicense = "CC0-1.0"\nas_of = "2026-01-01"\nindex = ["k"]\n'
        "[columns.k]\n[columns.source]\n[columns.source_quality]\n[columns.notes]\n"
    )
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["data", "check"])
    assert result.exit_code == 1, result.output
    for fragment in (
        "t: 3 finding(s)",
        "not primary",
        "a: notes say 'not yet confirmed'",
        "aggregator",
        "cites smbom.com",
    ):
        assert fragment in result.output
    (tmp_path / "t.csv").write_text("k,source,source_quality,notes\na,https://ir.x.org,primary,\n")
    result = runner.invoke(app, ["data", "check", "t"])
    assert result.exit_code == 0 and "all tables clean" in result.output
    result = runner.invoke(app, ["data", "check", "nope"])
    assert result.exit_code == 1 and "unknown dataset 'nope'" in result.output
