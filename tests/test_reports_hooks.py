"""Failure and success hooks (issue 14, item 3): a command gets the run's account as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.notebooks.workspace import make_workspace


def test_a_failure_hook_receives_the_failed_reports_as_json(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo", "chart"))
    received = tmp_path / "failed.json"
    result = workspace.report(
        "-p", "fail=true", "--on-failure", f"cat > '{received}'", "--on-success", "touch ok"
    )
    assert result.returncode == 1
    payload = json.loads(received.read_text())
    assert payload["status"] == "failed"
    assert payload["counts"] == {"built": 1, "skipped": 0, "failed": 1}
    (failure,) = payload["failed"]
    assert failure["report"] == "echo"
    assert failure["cell"] == "In [5]"
    assert "RuntimeError: asked to fail with label=base" in failure["error"]
    assert Path(failure["failed_run"]).is_dir()
    assert "asked to fail" in Path(failure["error_file"]).read_text()
    assert Path(failure["kernel_log"]).parent == Path(failure["failed_run"])
    assert payload["summary"] == str(workspace.out.resolve() / "summary.json")
    assert not (tmp_path / "ok").exists(), "the success hook runs only when all is well"


def test_a_success_hook_runs_when_all_is_up_to_date_and_its_failure_is_only_logged(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("echo",))
    received = tmp_path / "ok.json"
    result = workspace.report("--on-success", f"cat > '{received}'; exit 3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(received.read_text())["status"] == "ok"
    assert "exited with status 3" in result.stderr


def test_hooks_from_a_batch_file(tmp_path):
    workspace = make_workspace(tmp_path, notebooks=("broken",))
    received = tmp_path / "from-config.json"
    config = tmp_path / "reports.toml"
    config.write_text(
        f'[settings]\non_failure = "cat > {received}"\n\n[reports.broken]\n', encoding="utf-8"
    )
    result = workspace.report("--config", str(config))
    assert result.returncode == 1
    (failure,) = json.loads(received.read_text())["failed"]
    assert failure["report"] == "broken"
    assert "ValueError: boom" in failure["error"]
