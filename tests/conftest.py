"""Shared fixtures. Tests never use the network."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Real snapshots of public datasets, beside the checkout; absent on a user's fresh clone.
EPOCH_SNAPSHOTS = Path(os.environ.get("WORKBENCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
EPOCH_SNAPSHOTS = EPOCH_SNAPSHOTS / "epoch"


@pytest.fixture
def epoch_snapshot():
    """Path of a real Epoch AI snapshot by file name; skips when the folder is absent."""

    def get(name: str) -> Path:
        path = EPOCH_SNAPSHOTS / name
        if not path.exists():
            pytest.skip(f"real Epoch snapshot {path} is absent (only beside the dev checkout)")
        return path

    return get


@pytest.fixture
def rng():
    """A seeded generator: tests are deterministic."""
    return np.random.default_rng(20261125)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _empty_download_cache(tmp_path_factory, monkeypatch):
    """No test sees the user's download cache: data.load_best would otherwise pick it up."""
    if "WORKBENCH_CACHE" not in os.environ:
        monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path_factory.mktemp("download-cache")))


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright (tests/fixtures/browser.py), one per test module."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from fixtures.browser import launch

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
