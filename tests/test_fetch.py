"""Downloads with provenance, served from a local HTTP server (tests never use the network)."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from workbench.data import fetch, file_sha256
from workbench.errors import DataError


@pytest.fixture
def served(tmp_path, fixtures_dir):
    (tmp_path / "models.csv").write_bytes((fixtures_dir / "epoch_models_sample.csv").read_bytes())
    (tmp_path / "broken.csv").write_text("not,a,models,file\n1,2,3,4\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_records_url_hash_and_time(served, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    with pytest.warns(UserWarning):
        ds = fetch("epoch_models", url=f"{served}/models.csv")
    assert ds.sizes["model"] == 4
    assert ds.attrs["url"] == f"{served}/models.csv"
    assert ds.attrs["sha256"] == file_sha256(cache / "epoch_models.csv")
    assert ds.attrs["downloaded"].endswith("+00:00")


def test_a_bad_download_never_replaces_the_good_copy(served, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    with pytest.warns(UserWarning):
        fetch("epoch_models", url=f"{served}/models.csv")
    good = (cache / "epoch_models.csv").read_bytes()
    with pytest.raises(DataError, match="not a valid 'epoch_models' table") as info:
        fetch("epoch_models", url=f"{served}/broken.csv")
    assert info.value.column == "Model" and f"{served}/broken.csv" in str(info.value)
    assert (cache / "epoch_models.csv").read_bytes() == good
    assert not list(cache.glob("*.part"))


def test_unknown_remote_name_lists_choices():
    with pytest.raises(DataError, match="'epoch_hardware'"):
        fetch("epoch")
