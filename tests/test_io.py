"""Weight files: .npz save/load, the book's pickle, malicious pickles."""
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import nncore


@pytest.fixture
def net():
    return nncore.Network.init([6, 5, 4, 3], activation="relu", output="softmax", rng=0)


def test_save_load_roundtrip(tmp_path, backend, dtype):
    net = nncore.Network.init([6, 5, 3], activation="tanh", output="sigmoid", dtype=dtype, rng=1)
    path = tmp_path / "model.npz"
    net.save(path)
    back = nncore.load(path)
    assert back.dtype == dtype and back.sizes == net.sizes
    assert back.activations == net.activations and back.output == net.output
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(dtype)
    np.testing.assert_array_equal(back.predict(x), net.predict(x))
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["format"] == "nncore-network" and meta["format_version"] == 1
    assert meta["sizes"] == [6, 5, 3] and meta["dtype"] == str(dtype)
    assert meta["nncore_version"] == nncore.__version__
    assert os.listdir(tmp_path) == ["model.npz"]


def test_interrupted_save_keeps_previous_file(tmp_path, net, monkeypatch):
    path = tmp_path / "model.npz"
    net.save(path)
    original = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK partial")
        raise KeyboardInterrupt("simulated interruption")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        nncore.Network.init([2, 2], rng=9).save(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.npz"], "temporary file left behind"


def _rewrite(path, target, drop=(), add=None, replace=None):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    arrays.update(add or {})
    arrays.update(replace or {})
    np.savez(target, **arrays)
    return target


def test_load_rejects_damaged_files(tmp_path, net):
    good = tmp_path / "good.npz"
    net.save(good)
    blob = good.read_bytes()
    cases = {}
    (tmp_path / "truncated.npz").write_bytes(blob[: len(blob) // 2])
    cases["truncated.npz"] = "BadZipFile|EOFError|truncated"
    (tmp_path / "garbage.npz").write_bytes(b"this is not a zip file at all")
    cases["garbage.npz"] = r"not an .npz \(zip\) archive"
    np.save(tmp_path / "single.npy", np.zeros(3))
    cases["single.npy"] = "single .npy array"
    _rewrite(good, tmp_path / "missing.npz", drop=("W2",))
    cases["missing.npz"] = r"missing \['W2'\]"
    _rewrite(good, tmp_path / "extra.npz", add={"W9": np.zeros(2)})
    cases["extra.npz"] = r"unexpected \['W9'\]"
    _rewrite(good, tmp_path / "shape.npz", replace={"W2": np.zeros((5, 7))})
    cases["shape.npz"] = r"W2 has shape \(5, 7\), expected \(5, 4\)"
    _rewrite(good, tmp_path / "dtype.npz", replace={"b1": np.zeros(5, np.float32)})
    cases["dtype.npz"] = "b1 has dtype float32, expected float64"
    _rewrite(good, tmp_path / "nometa.npz", drop=("meta",))
    cases["nometa.npz"] = "'meta' entry is missing"
    _rewrite(good, tmp_path / "badmeta.npz", replace={"meta": np.array("{not json")})
    cases["badmeta.npz"] = "JSONDecodeError"
    _rewrite(good, tmp_path / "format.npz", replace={"meta": np.array('{"format": "other"}')})
    cases["format.npz"] = "format 'nncore-network'"
    with zipfile.ZipFile(tmp_path / "objects.npz", "w") as z:
        buf = io.BytesIO()
        np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        z.writestr("meta.npy", buf.getvalue())
    cases["objects.npz"] = "pickled object data, which nncore never loads"
    for name, pattern in cases.items():
        with pytest.raises(ValueError, match=pattern) as info:
            nncore.load(tmp_path / name)
        assert "is not a valid nncore network file" in str(info.value), name
    with pytest.raises(FileNotFoundError):
        nncore.load(tmp_path / "absent.npz")


# ---------------------------------------------------------------- legacy pickle

def test_legacy_pickle_of_the_book(reference_dir):
    params = nncore.load_legacy_pickle(os.path.join(reference_dir, "sample_weight.pkl"))
    assert sorted(params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert params["W1"].shape == (784, 50) and params["W1"].dtype == np.float32
    assert params["W1"].flags.f_contiguous and not params["W1"].flags.c_contiguous
    assert all(type(v) is np.ndarray for v in params.values())


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_legacy_pickle_protocols(tmp_path, protocol):
    arrays = {"W1": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
              "b1": np.arange(3, dtype=np.float64), "n": np.array(7, dtype=np.int64)}
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps(arrays, protocol=protocol))
    got = nncore.load_legacy_pickle(path)
    for k in arrays:
        np.testing.assert_array_equal(got[k], arrays[k])
        assert got[k].dtype == arrays[k].dtype


class _Payload:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _evil_pickles(marker):
    import builtins
    import os as os_module
    import subprocess

    cmd = f"touch {marker}"
    return {
        "os.system": pickle.dumps({"W1": _Payload(os_module.system, cmd)}, protocol=2),
        "builtins.eval": pickle.dumps(_Payload(builtins.eval, f"open({str(marker)!r}, 'w')"),
                                      protocol=4),
        "subprocess": pickle.dumps(_Payload(subprocess.call, ["touch", str(marker)]), protocol=5),
        "builtins.exec": pickle.dumps(_Payload(builtins.exec, f"open({str(marker)!r}, 'w')"),
                                      protocol=3),
        # a numpy global outside the allow-list
        "numpy.save": pickle.dumps(_Payload(np.save, str(marker), np.zeros(1)), protocol=4),
    }


@pytest.mark.parametrize("name", ["os.system", "builtins.eval", "subprocess", "builtins.exec",
                                  "numpy.save"])
def test_malicious_pickles_are_refused_before_running(tmp_path, name):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(_evil_pickles(marker)[name])
    with pytest.raises(pickle.UnpicklingError, match="is not allowed"):
        nncore.load_legacy_pickle(path)
    assert not marker.exists() and not (tmp_path / "pwned.npy").exists()


def test_object_arrays_and_non_dicts_are_refused(tmp_path):
    path = tmp_path / "obj.pkl"
    path.write_bytes(pickle.dumps({"W1": np.array([1, "a"], dtype=object)}, protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="object arrays are refused"):
        nncore.load_legacy_pickle(path)
    path.write_bytes(pickle.dumps([np.zeros(2)], protocol=4))
    with pytest.raises(ValueError, match="must hold a dict of arrays; got list"):
        nncore.load_legacy_pickle(path)
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(pickle.UnpicklingError, match=r"obj\.pkl: .*truncated"):
        nncore.load_legacy_pickle(path)
    path.write_bytes(b"\x80\x04K\x01K\x02\x86\x94\x8c\x01a.")  # a tuple of ints, then junk opcode
    with pytest.raises((pickle.UnpicklingError, ValueError), match=r"obj\.pkl"):
        nncore.load_legacy_pickle(path)


def test_saved_files_follow_the_umask(tmp_path, net):
    old = os.umask(0o022)
    try:
        net.save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "model.npz").st_mode & 0o777) == 0o644
