"""Downloads with provenance, served from a local HTTP server (tests never use the network)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import threading
import time

import pytest

from workbench.data import fetch, file_sha256
from workbench.errors import DataError

REQUESTS: list[str] = []


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder; ``/truncated.csv`` promises more bytes than it sends, then hangs up."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        REQUESTS.append(self.path)
        if self.path == "/truncated.csv":
            with open(f"{self.directory}/models.csv", "rb") as fh:
                body = fh.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def served(tmp_path, fixtures_dir):
    (tmp_path / "models.csv").write_bytes((fixtures_dir / "epoch_models_sample.csv").read_bytes())
    (tmp_path / "broken.csv").write_text("not,a,models,file\n1,2,3,4\n")
    REQUESTS.clear()
    handler = functools.partial(Handler, directory=str(tmp_path))
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


def test_a_leftover_part_file_is_never_trusted(served, tmp_path, monkeypatch, fixtures_dir):
    # Issue 11, item 19: a fetch killed mid-download left epoch_models.csv.part; the next fetch
    # made no request and published the stale partial file with a fresh "downloaded" time.
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    full = (fixtures_dir / "epoch_models_sample.csv").read_bytes()
    stale = b"".join(full.splitlines(keepends=True)[:4])  # header and the first rows only
    (cache / "epoch_models.csv.part").write_bytes(stale)
    with pytest.warns(UserWarning):
        ds = fetch("epoch_models", url=f"{served}/models.csv")
    assert REQUESTS == ["/models.csv"]
    assert (cache / "epoch_models.csv").read_bytes() == full
    assert ds.attrs["sha256"] == hashlib.sha256(full).hexdigest()
    assert not list(cache.glob("*.part")) and not list(cache.glob(".*.part"))


def test_a_truncated_download_is_refused_and_leaves_nothing(served, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    with pytest.raises(DataError, match="incomplete"):
        fetch("epoch_models", url=f"{served}/truncated.csv")
    assert not (cache / "epoch_models.csv").exists()
    assert [p.name for p in cache.iterdir()] == []


def test_a_download_whose_hash_differs_from_the_known_one_is_refused(served, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    with pytest.raises(DataError, match="sha256"):
        fetch("epoch_models", url=f"{served}/models.csv", sha256="0" * 64)
    assert [p.name for p in cache.iterdir()] == []
    good = hashlib.sha256((tmp_path / "models.csv").read_bytes()).hexdigest()
    with pytest.warns(UserWarning):
        assert fetch("epoch_models", url=f"{served}/models.csv", sha256=good).sizes["model"] == 4


def test_stale_temporaries_of_a_killed_download_are_removed(served, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    leftover = cache / ".epoch_models.k1ll3d.part"
    leftover.write_bytes(b"Model,Publication date\nhalf")
    old = time.time() - 2 * 3600
    os.utime(leftover, (old, old))
    with pytest.warns(UserWarning):
        fetch("epoch_models", url=f"{served}/models.csv")
    assert not leftover.exists()


def test_provenance_that_does_not_match_the_cached_file_is_not_reported(
    served, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE", str(cache))
    with pytest.warns(UserWarning):
        fetch("epoch_models", url=f"{served}/models.csv")
    # A run killed between publishing the file and writing its provenance.
    (cache / "epoch_models.csv").write_bytes((tmp_path / "models.csv").read_bytes() + b"\n\n")
    with pytest.warns(UserWarning, match="provenance"):
        ds = fetch("epoch_models", refresh=False)
    assert "downloaded" not in ds.attrs and "url" not in ds.attrs
    assert (
        ds.attrs["sha256"] == hashlib.sha256((cache / "epoch_models.csv").read_bytes()).hexdigest()
    )


def test_epoch_hardware_and_chip_sales_are_registered_at_the_publishers_addresses():
    from workbench.data import REMOTE_DATASETS, read_epoch_chip_sales, read_epoch_hardware

    assert REMOTE_DATASETS["epoch_hardware"].url == "https://epoch.ai/data/ml_hardware.csv"
    assert REMOTE_DATASETS["epoch_hardware"].reader is read_epoch_hardware
    for key in ("nvidia", "tpu", "amd"):
        remote = REMOTE_DATASETS[f"epoch_chip_sales_{key}"]
        assert remote.url.startswith(
            "https://raw.githubusercontent.com/epoch-research/ai-chip-counts/main/csv_export/"
        )
        assert remote.reader is read_epoch_chip_sales and "(MIT)" in remote.description


def test_chip_sales_are_fetched_and_read_by_calendar_quarter(
    served, tmp_path, monkeypatch, fixtures_dir
):
    (tmp_path / "sales.csv").write_bytes(
        (fixtures_dir / "epoch_chip_sales_sample.csv").read_bytes()
    )
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    ds = fetch("epoch_chip_sales_nvidia", url=f"{served}/sales.csv")
    assert ds.sizes["quantile"] == 3 and ds.attrs["url"] == f"{served}/sales.csv"
    assert (tmp_path / "cache" / "epoch_chip_sales_nvidia.csv").exists()
