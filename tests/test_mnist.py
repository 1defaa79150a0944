"""MNIST loading: shapes and label counts, data folders, verified downloads from a local server."""
import gzip
import http.server
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

from nncore.datasets import (DatasetDownloadError, clear_data_home, get_data_home, load_mnist,
                             load_mnist_csv)
from nncore.datasets import _files, _idx

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
REPO = os.path.join(os.path.dirname(__file__), os.pardir)


def test_book_call_on_the_real_files(mnist_dir):
    (x_train, t_train), (x_test, t_test) = load_mnist(data_home=mnist_dir)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and 0.0 == x_train.min() and x_train.max() == 1.0
    assert t_train.dtype == np.uint8
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS
    (x_raw, _), _ = load_mnist(normalize=False, flatten=False, data_home=mnist_dir)
    assert x_raw.shape == (60000, 1, 28, 28) and x_raw.dtype == np.uint8
    np.testing.assert_array_equal(x_raw.reshape(60000, 784) / np.float32(255), x_train)
    _, (_, t_hot) = load_mnist(one_hot_label=True, data_home=mnist_dir, dtype=np.float64)
    assert t_hot.shape == (10000, 10) and t_hot.dtype == np.float64
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t_test)
    assert (t_hot.sum(axis=1) == 1).all()


def test_shipped_test_split_offline(tmp_path):
    empty = tmp_path / "empty"
    x, t = load_mnist(split="test", data_home=empty, download=False)
    assert x.shape == (10000, 784) and np.bincount(t).tolist() == TEST_COUNTS
    assert not empty.exists(), "loading the shipped split must not create the data folder"
    for name in _files.SPLITS["test"]:
        assert _files.verified(os.path.join(_files.SHIPPED, name), name)
    with pytest.raises(DatasetDownloadError, match=r"train-images-idx3-ubyte.gz is not in .*empty and download=False"):
        load_mnist(split="train", data_home=empty, download=False)


def test_input_range_and_options(mnist_dir):
    x, _ = load_mnist(split="test", input_range=(0.01, 1.0))
    assert x.min() == pytest.approx(0.01) and x.max() == pytest.approx(1.0)
    x64, _ = load_mnist(split="test", dtype=np.float64)
    assert x64.dtype == np.float64
    with pytest.raises(ValueError, match="split must be None, 'train' or 'test'"):
        load_mnist(split="validation")
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        load_mnist(split="test", dtype=np.int8)
    with pytest.raises(ValueError, match="input_range must be finite with low < high"):
        load_mnist(split="test", input_range=(1, 0))


def test_data_home_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("NNCORE_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    assert get_data_home(tmp_path / "arg") == str(tmp_path / "arg")
    monkeypatch.delenv("NNCORE_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    home = get_data_home()
    assert home.startswith(str(tmp_path / "xdg")) or sys.platform in ("win32", "darwin")
    import nncore
    assert not home.startswith(os.path.dirname(nncore.__file__))


def test_clear_data_home(tmp_path):
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"x")
    (tmp_path / ".train-labels-idx1-ubyte.gz.abc123.part").write_bytes(b"x")
    (tmp_path / ".t10k-images-idx3-ubyte.gz.nncore-tmp-0a1b2c3d-1-ff00ff00").write_bytes(b"x")
    (tmp_path / "mine.txt").write_text("keep me")
    removed = clear_data_home(tmp_path)
    assert len(removed) == 3
    assert os.listdir(tmp_path) == ["mine.txt"]


# ---------------------------------------------------------------- downloads

class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        kind, _, name = self.path.strip("/").partition("/")
        data = self.files.get(name)
        if kind == "missing" or data is None:
            self.send_error(404)
            return
        if kind == "html":
            body = b"<html><body>This mirror has moved.</body></html>"
        elif kind == "corrupt":
            body = bytes(len(data))
        elif kind == "truncated":
            body = data[: len(data) // 2]
        else:
            body = data
        self.send_response(200)
        self.send_header("Content-Length", str(len(data) if kind == "truncated" else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(mnist_dir):
    _Handler.files = {}
    for name in _files.FILES:
        with open(os.path.join(mnist_dir, name), "rb") as f:
            _Handler.files[name] = f.read()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _no_partial_files(folder):
    return [f for f in os.listdir(folder) if f.startswith(".")] == []


@pytest.mark.parametrize("bad", ["corrupt", "truncated", "missing", "html"])
def test_bad_mirror_then_good_one(server, tmp_path, bad):
    folder = tmp_path / "data"
    (x, t) = load_mnist(split="train", data_home=folder, timeout=5,
                        mirrors=[f"{server}/{bad}/", f"{server}/good/"])
    assert x.shape == (60000, 784) and np.bincount(t).tolist() == TRAIN_COUNTS
    assert sorted(os.listdir(folder)) == sorted(_files.SPLITS["train"])
    # the second call needs no network at all
    load_mnist(split="train", data_home=folder, download=False)


@pytest.mark.parametrize("bad", ["corrupt", "truncated", "missing", "html"])
def test_every_mirror_failing(server, tmp_path, bad, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("NNCORE_MNIST_MIRRORS", f"{server}/{bad}/, {server}/{bad}/again/")
    with pytest.raises(DatasetDownloadError) as info:
        load_mnist(split="train", data_home=folder, timeout=5)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and str(folder) in message
    assert f"{server}/{bad}/train-images-idx3-ubyte.gz" in message
    assert _files.FILES["train-images-idx3-ubyte.gz"][1] in message
    assert isinstance(info.value, OSError)
    assert _no_partial_files(folder) and os.listdir(folder) == []
    # a later call with a working mirror succeeds
    x, _ = load_mnist(split="train", data_home=folder, mirrors=[f"{server}/good/"])
    assert x.shape == (60000, 784)


def test_damaged_local_file_is_replaced(server, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"damaged")
    with pytest.raises(DatasetDownloadError, match="damaged: 7 bytes where .*checksum mismatch"):
        load_mnist(split="train", data_home=folder, download=False)
    load_mnist(split="train", data_home=folder, mirrors=[f"{server}/good/"])
    assert _files.verified(folder / "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz")


def test_interrupted_download_leaves_nothing(server, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    real_replace = os.replace

    def exploding_replace(src, dst):
        raise KeyboardInterrupt("simulated Ctrl-C before the rename")

    monkeypatch.setattr(os, "replace", exploding_replace)
    with pytest.raises(KeyboardInterrupt):
        load_mnist(split="train", data_home=folder, mirrors=[f"{server}/good/"])
    monkeypatch.setattr(os, "replace", real_replace)
    assert os.listdir(folder) == []


def test_two_processes_download_at_once(server, tmp_path):
    folder = tmp_path / "data"
    code = ("import sys; from nncore.datasets import load_mnist; "
            f"x, t = load_mnist(split='train', data_home={str(folder)!r}, "
            f"mirrors=[{server + '/good/'!r}]); print(len(x))")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=str(tmp_path))
             for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "60000"
    for name in _files.SPLITS["train"]:
        assert _files.verified(folder / name, name)
    assert _no_partial_files(folder)


# ---------------------------------------------------------------- IDX and CSV

def test_idx_reader_rejects_bad_files(tmp_path, mnist_dir):
    with open(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        labels = gzip.decompress(f.read())
    cases = {
        "magic": (b"\x00\x00\x08\x02" + labels[4:], "bad magic number"),
        "short": (labels[:5], "too short"),
        "payload": (labels[:-3], "declares 10000 = 10000 bytes of payload but the file holds 9997"),
        "label": (labels[:-1] + b"\x0c", "labels must lie in 0..9; found 12"),
        "huge": (b"\x00\x00\x08\x03" + b"\xff" * 12 + b"\x00" * 10, "declares"),
        "gzip": (b"\x1f\x8b" + b"junk", "corrupt gzip|truncated gzip"),
    }
    for name, (data, pattern) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=pattern):
            _idx.read(path)
    raw = tmp_path / "raw-labels"
    raw.write_bytes(labels)
    assert _idx.read(raw).shape == (10000,)


def test_csv_matches_idx(reference_dir):
    x, t = load_mnist_csv(os.path.join(reference_dir, "mnist_test_10.csv"))
    xi, ti = load_mnist(split="test")
    np.testing.assert_array_equal(t, ti[:10])
    np.testing.assert_array_equal(x, xi[:10])
    x_train, t_train = load_mnist_csv(os.path.join(reference_dir, "mnist_train_100.csv"),
                                      one_hot_label=True, input_range=(0.01, 1.0))
    assert x_train.shape == (100, 784) and t_train.shape == (100, 10)
    assert x_train.min() == pytest.approx(0.01) and x_train.max() == pytest.approx(1.0)


def test_csv_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("7," + ",".join(["0"] * 783) + "\n")
    with pytest.raises(ValueError, match="line 1: expected 785 values"):
        load_mnist_csv(path)
    path.write_text("11," + ",".join(["0"] * 784) + "\n")
    with pytest.raises(ValueError, match="label 11 outside 0..9"):
        load_mnist_csv(path)
    path.write_text("1," + ",".join(["300"] * 784) + "\n")
    with pytest.raises(ValueError, match="pixel values outside 0..255"):
        load_mnist_csv(path)
    path.write_text("a,b\n")
    with pytest.raises(ValueError, match="not a list of integers"):
        load_mnist_csv(path)


# ---------------------------------------------------------------- the book's script

def test_book_chapter3_script_from_any_folder(tmp_path, reference_dir):
    script = os.path.join(REPO, "examples", "ch03_neuralnet_mnist.py")
    weights = os.path.join(reference_dir, "sample_weight.pkl")
    env = {k: v for k, v in os.environ.items() if k != "NNCORE_DATA"}
    res = subprocess.run([sys.executable, script, weights], capture_output=True, text=True,
                         cwd=str(tmp_path), env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["Accuracy:0.9352", "Accuracy:0.9352"]
