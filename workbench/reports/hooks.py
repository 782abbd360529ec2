"""Hooks: a command run after a batch, with what happened as JSON on its standard input.

``--on-failure 'mail -s "reports failed" ops@example.org'`` lets an operator be told about a
failed nightly run by mail, a chat webhook (``curl --data-binary @- …``) or a pager, without
the workbench knowing how. The command runs through the shell, as a cron line would, in the
working folder; its failure is logged, and does not change the run's exit status.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["HOOK_TIMEOUT", "hook_payload", "run_hook"]

logger = logging.getLogger(__name__)

#: Seconds a hook may take before it is stopped.
HOOK_TIMEOUT = 300


def hook_payload(outcomes: Sequence, summary: Path, gallery: Path) -> dict:
    """What a hook receives: the run's status and counts, and each failed report's details.

    Each failed report gives its ``report`` label, the ``cell`` that failed (when a cell did),
    the ``error``, the ``failed_run`` folder and the paths of its ``error_file`` and
    ``kernel_log`` there.
    """
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("built", "skipped", "failed")
    }
    failed = []
    for outcome in outcomes:
        if outcome.ok:
            continue
        run = outcome.failed_run
        failed.append(
            {
                "report": outcome.label,
                "cell": outcome.cell or None,
                "error": outcome.message,
                "failed_run": None if run is None else str(run),
                "error_file": None if run is None else str(Path(run) / "error.txt"),
                "kernel_log": None if run is None else str(Path(run) / "kernel.log"),
            }
        )
    return {
        "status": "failed" if failed else "ok",
        "counts": counts,
        "summary": str(summary),
        "gallery": str(gallery),
        "failed": failed,
    }


def run_hook(command: str, payload: dict, *, timeout: float = HOOK_TIMEOUT) -> bool:
    """Run ``command`` through the shell with ``payload`` as JSON on its standard input.

    Returns whether it succeeded; a failure (exit status, timeout) is logged as a warning.
    """
    try:
        result = subprocess.run(
            command,
            shell=True,  # the operator's own command line, as in a crontab
            input=json.dumps(payload, indent=2) + "\n",
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        logger.warning("hook %r was stopped after %g s", command, timeout)
        return False
    except OSError as exc:
        logger.warning("hook %r could not run: %s", command, exc)
        return False
    if result.returncode != 0:
        logger.warning("hook %r exited with status %d", command, result.returncode)
        return False
    return True
