"""The nncore command line, run as a user would: the console script in a subprocess."""
import os
import subprocess
import sys

import numpy as np
import pytest

import nncore

SCRIPT = os.path.join(os.path.dirname(sys.executable), "nncore")


def run(*args, cwd, env=None, timeout=300):
    full = {**os.environ, **(env or {})}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, cwd=str(cwd), env=full,
                          timeout=timeout)


@pytest.fixture
def offline(tmp_path):
    """An empty data folder and a mirror that refuses connections: no network can be used."""
    return {"NNCORE_DATA": str(tmp_path / "no-data"),
            "NNCORE_MNIST_MIRRORS": "http://127.0.0.1:9/"}


def test_evaluate_shipped_model_offline(tmp_path, offline):
    res = run("evaluate", cwd=tmp_path, env=offline)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    accuracy = float(next(l for l in lines if l.startswith("accuracy:")).split()[1])
    assert accuracy >= 0.98
    assert any(l.startswith("throughput:") and "images/s" in l for l in lines)
    table = lines[lines.index("digit  count  accuracy") + 1:]
    assert [int(row.split()[0]) for row in table] == list(range(10))
    assert sum(int(row.split()[1]) for row in table) == 10000
    assert not (tmp_path / "no-data").exists()


def test_evaluate_the_books_weights(tmp_path, offline, reference_dir):
    res = run("evaluate", "--legacy-pickle", os.path.join(reference_dir, "sample_weight.pkl"),
              "--batch-size", "1000", cwd=tmp_path, env=offline)
    assert res.returncode == 0, res.stderr
    assert "accuracy:   0.9352" in res.stdout


def test_evaluate_a_saved_model(tmp_path, offline):
    nncore.pretrained.mnist().save(tmp_path / "copy.npz")
    a = run("evaluate", "--model", "copy.npz", cwd=tmp_path, env=offline)
    b = run("evaluate", cwd=tmp_path, env=offline)
    assert a.returncode == 0, a.stderr
    pick = [l for l in a.stdout.splitlines() if l.startswith("accuracy")]
    assert pick == [l for l in b.stdout.splitlines() if l.startswith("accuracy")]


def test_errors_are_one_line_without_traceback(tmp_path, offline):
    cases = [
        (["evaluate", "--model", "missing.npz"], 1, "No such file"),
        (["evaluate", "--legacy-pickle", "missing.pkl"], 1, "No such file"),
        (["evaluate", "--model", "a.npz", "--legacy-pickle", "b.pkl"], 2, "not both"),
        (["evaluate", "--batch-size", "0"], 2, "expected a positive integer"),
        (["train", "--epochs", "x"], 2, "expected a positive integer"),
        (["show", "--index", "99999"], 2, "--index must lie in"),
        (["frobnicate"], 2, "invalid choice"),
        (["evaluate", "--split", "train"], 1, "could not download train-images-idx3-ubyte.gz"),
    ]
    (tmp_path / "junk.npz").write_bytes(b"junk")
    cases.append((["evaluate", "--model", "junk.npz"], 1, "not an .npz"))
    for args, code, text in cases:
        res = run(*args, cwd=tmp_path, env=offline)
        assert res.returncode == code, (args, res.stderr)
        assert text in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr
        if code == 1:
            assert len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_help_everywhere(tmp_path):
    for args in ([], ["evaluate"], ["train"], ["show"], ["info"]):
        res = run(*args, "--help", cwd=tmp_path)
        assert res.returncode == 0 and "usage: nncore" in res.stdout
    res = run(cwd=tmp_path)
    assert res.returncode == 2 and "usage: nncore" in res.stderr


def test_train_writes_a_model(tmp_path, mnist_dir):
    res = run("train", "--hidden", "16", "--epochs", "1", "--lr", "0.01", "--quiet",
              "--out", "small.npz", "--data-home", mnist_dir, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    accuracy = float(next(l for l in res.stdout.splitlines()
                          if l.startswith("test accuracy:")).split()[-1])
    assert accuracy > 0.85
    net = nncore.load(tmp_path / "small.npz")
    assert net.sizes == [784, 16, 10] and net.dtype == np.float32
    assert os.listdir(tmp_path) == ["small.npz"]


def test_show_writes_pictures(tmp_path, offline):
    pytest.importorskip("PIL")
    res = run("show", "--misclassified", "--count", "12", "--out", "wrong.png", cwd=tmp_path,
              env=offline)
    assert res.returncode == 0, res.stderr
    assert "wrote wrong.png: 12 digit(s)" in res.stdout
    res = run("show", "--index", "0", "--out", "one.png", cwd=tmp_path, env=offline)
    assert res.returncode == 0 and "1 digit(s)" in res.stdout
    from PIL import Image
    with Image.open(tmp_path / "wrong.png") as im:
        assert im.format == "PNG" and im.size[0] > im.size[1] > 0


def test_info_and_module_entry(tmp_path):
    res = run("info", cwd=tmp_path)
    assert res.returncode == 0 and f"backend:         {nncore.BACKEND}" in res.stdout
    res = subprocess.run([sys.executable, "-m", "nncore", "info"], capture_output=True, text=True,
                         cwd=str(tmp_path))
    assert res.returncode == 0 and "nncore:" in res.stdout


def test_version_and_defaults_in_help(tmp_path):
    res = run("--version", cwd=tmp_path)
    assert res.returncode == 0
    assert res.stdout.split() == ["nncore", nncore.__version__, "(distribution", "nncore-dlfs)"]
    text = " ".join(run("train", "--help", cwd=tmp_path).stdout.split())
    for option, default in (("--epochs", "10"), ("--optimizer", "adam"), ("--seed", "0"),
                            ("--batch-size", "100"), ("--dtype", "float32")):
        after = text.split(f" {option} ", 1)[1]
        assert f"(default: {default})" in after.split(" --", 1)[0], option


def test_train_without_out_says_the_model_is_not_kept(tmp_path, mnist_dir):
    res = run("train", "--hidden", "8", "--epochs", "1", "--quiet", "--data-home", mnist_dir,
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "the model is not kept (give --out PATH to save it)" in res.stdout
    assert os.listdir(tmp_path) == []


def test_a_damaged_data_file_is_reported_as_damaged(tmp_path, offline):
    folder = tmp_path / "no-data"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b not MNIST")
    res = run("evaluate", "--split", "train", cwd=tmp_path, env=offline)
    assert res.returncode == 1
    message = res.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert str(folder / "train-images-idx3-ubyte.gz") + " is damaged" in message
    assert "checksum mismatch" in message and "no mirror delivered a verified copy" in message
    assert "could not download" not in message


def test_failed_train_output_keeps_the_previous_model(tmp_path, mnist_dir, monkeypatch, capsys):
    from nncore import cli

    out = tmp_path / "model.npz"
    nncore.Network.init([784, 10], rng=0).save(out)
    before = out.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    code = cli.main(["train", "--hidden", "8", "--epochs", "1", "--quiet", "--out", str(out),
                     "--data-home", mnist_dir])
    assert code == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
