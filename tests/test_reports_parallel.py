"""Sweeps in parallel processes, on a dask cluster (loopback only), and batch files."""

from __future__ import annotations

import json

import pytest
from fixtures.notebooks.workspace import assert_complete, make_workspace

from workbench.reports.gallery import collect_entries


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("parallel"), notebooks=("broken", "echo"))


@pytest.fixture(scope="module")
def sweep_run(workspace):
    return workspace.report(
        "echo", "--sweep", "count=1,2", "--sweep", "label=a,b c", "-p", "ratio=2", "--jobs", "2"
    )


def test_sweep_builds_every_combination_in_its_own_folder(sweep_run, workspace):
    assert sweep_run.returncode == 0, sweep_run.stdout + sweep_run.stderr
    members = {
        "count=1,label=a": {"count": 1, "label": "a"},
        "count=1,label=b%20c": {"count": 1, "label": "b c"},
        "count=2,label=a": {"count": 2, "label": "a"},
        "count=2,label=b%20c": {"count": 2, "label": "b c"},
    }
    for member, swept in members.items():
        manifest = assert_complete(workspace.published("echo", member), "echo")
        assert manifest["sweep"] == swept
        assert manifest["parameters"] == {"ratio": 2.0, **swept}
    assert "4 built, 0 up to date, 0 failed" in sweep_run.stdout


def test_parallel_progress_lines_name_each_member(sweep_run):
    lines = [line for line in sweep_run.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 4
    assert any("echo[count=2,label=b%20c]: built in" in line for line in lines)


def test_gallery_lists_sweep_members(sweep_run, workspace):
    labels = [entry.label for entry in collect_entries(workspace.out)]
    assert "echo[count=1,label=a]" in labels
    page = (workspace.out / "index.html").read_text()
    assert 'href="echo/count%3D1%2Clabel%3Da/echo.html"' in page


def loopback_cluster(data):
    """A one-worker dask cluster on 127.0.0.1 whose worker reads the workspace's data."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env={"WORKBENCH_DATA_DIR": str(data)},
    )


def test_reports_build_on_a_dask_cluster(sweep_run, workspace, tmp_path):
    with loopback_cluster(workspace.data) as cluster:
        result = workspace.report(
            "echo", "--sweep", "count=5,6", "--scheduler", cluster.scheduler_address, out=tmp_path
        )
    assert result.returncode == 0, result.stdout + result.stderr
    for count in (5, 6):
        manifest = assert_complete(tmp_path / "echo" / f"count={count}", "echo")
        assert manifest["parameters"] == {"count": count}


def test_an_unreachable_scheduler_is_a_clear_error(workspace, tmp_path):
    result = workspace.report(
        "echo",
        "--scheduler",
        "tcp://127.0.0.1:9",
        out=tmp_path,
        env={**workspace.environment(), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
    )
    assert result.returncode == 2
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in result.stderr


def test_a_batch_file_runs_its_reports_and_fails_if_any_fails(sweep_run, workspace, tmp_path):
    config = tmp_path / "nightly.toml"
    config.write_text(
        "[settings]\n"
        'out = "nightly"\n'
        "jobs = 2\n"
        "no_input = true\n"
        "\n"
        "[reports.broken]\n"
        "\n"
        "[reports.echo_big]\n"
        'notebook = "echo"\n'
        "parameters = { count = 10, ratio = 1 }\n"
        'sweep = { label = ["x", "y"] }\n'
    )
    result = workspace.report("--config", str(config), out=tmp_path / "nightly")
    assert result.returncode == 1
    assert "2 built, 0 up to date, 1 failed" in result.stdout
    assert "error: 1 report(s) failed: broken" in result.stderr
    out = tmp_path / "nightly"
    manifest = assert_complete(out / "echo_big" / "label=x", "echo_big")
    assert manifest["parameters"] == {"count": 10, "ratio": 1.0, "label": "x"}
    assert manifest["no_input"] is True
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"built": 2, "skipped": 0, "failed": 1}
    assert {r["report"]: r["status"] for r in summary["reports"]} == {
        "broken": "failed",
        "echo_big[label=x]": "built",
        "echo_big[label=y]": "built",
    }


def test_a_batch_file_with_a_wrong_parameter_runs_nothing(workspace, tmp_path):
    config = tmp_path / "reports.toml"
    config.write_text('[reports.echo]\nparameters = { count = "ten" }\n')
    result = workspace.report("--config", str(config), out=tmp_path / "out")
    assert result.returncode == 2
    assert "The 'count' parameter of report 'echo' must be an integer; got 'ten'" in (result.stderr)
    assert not (tmp_path / "out").exists()


@pytest.fixture
def two_reports(tmp_path, monkeypatch):
    """A two-notebook suite planned into ``tmp_path/reports`` (its datasets: the workspace's)."""
    from workbench import reports

    small = make_workspace(tmp_path, notebooks=("chart", "echo"))
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(small.data))  # the workers inherit it
    requests = reports.requests_for(["chart", "echo"], ["sleep_s=0.5"], folder=small.notebooks)
    return small, reports.plan(requests, small.out)


def run_recording_progress(tasks, **engine) -> list[tuple]:
    """``run_tasks`` with callbacks that record every start, cell and end, in order."""
    from workbench import reports

    events = []
    outcomes = reports.run_tasks(
        tasks,
        on_start=lambda task: events.append(("start", task.label)),
        on_cell=lambda task, cell, cells: events.append(("cell", task.label, cell, cells)),
        on_outcome=lambda outcome: events.append(("end", outcome.label)),
        **engine,
    )
    assert all(outcome.status == "built" for outcome in outcomes), outcomes
    return events


def assert_each_cell_reported_in_order(events, tasks):
    for task in tasks:
        mine = [event for event in events if event[1] == task.label]
        assert mine[0] == ("start", task.label) and mine[-1] == ("end", task.label), mine
        executed = json.loads((task.folder / f"{task.report}.ipynb").read_text())
        cells = len(executed["cells"])  # with the cell of injected parameters, if any
        assert [event[2:] for event in mine[1:-1]] == [(n, cells) for n in range(1, cells + 1)]


def test_worker_processes_report_each_cell_back(two_reports):
    _, tasks = two_reports
    events = run_recording_progress(tasks, jobs=2)
    assert_each_cell_reported_in_order(events, tasks)
    # Both ran at once: the second started before the first ended.
    kinds = [kind for kind, *_ in events]
    assert kinds.index("end") > [i for i, kind in enumerate(kinds) if kind == "start"][1]


def test_dask_workers_report_each_cell_back(two_reports):
    small, tasks = two_reports
    with loopback_cluster(small.data) as cluster:
        events = run_recording_progress(tasks, scheduler=cluster.scheduler_address)
    assert_each_cell_reported_in_order(events, tasks)
