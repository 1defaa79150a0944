"""Hostile and fuzzed files (weights, IDX): refused fast, with bounded memory, no side effects.

Each registry entry is a file built here by hand (a specific attack) and each fuzz
case a random damage of a valid file.  The registry's cases run in a child process whose address
space is capped (tests/bounded.py): an allocation the size of the declared data
rather than of the file fails there instead of swapping the machine.
"""
import gzip
import io
import os
import json
import pickle
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nncore
from nncore.datasets import _idx

from .bounded import load_all

SECONDS = 2.0           # per file; a valid file of these sizes loads in milliseconds
GROWTH = 64 << 20       # peak memory growth per file


def _u(text):  # BINUNICODE
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _counted(op, n, width):
    return b"\x80\x05" + op + n.to_bytes(width, "little")


def hostile_pickles():
    """name -> bytes of a pickle that must be refused with UnpicklingError or ValueError."""
    deep = b"\x80\x02}" + b")" + b"\x85" * 200_000 + b"Ns."           # nested tuple as a key
    nested_list = b"\x80\x02}" + b"]" * 100 + b"a" * 99 + b"Ns."           # nested lists
    cases = {
        "deep tuple key": deep,
        "deep nested lists": nested_list,
        "deep MARK TUPLE": b"\x80\x02}" + b"(" * 5000 + b"t" * 5000 + b"Ns.",
        "bytearray8 2 GiB": _counted(b"\x96", 2**31, 8),
        "binbytes8 4 GiB": _counted(b"\x8e", 2**32, 8),
        "binunicode8 1 GiB": _counted(b"\x8d", 2**30, 8),
        "binbytes 2 GiB": b"\x80\x03B" + struct.pack("<I", 2**31 - 1),
        "long4 huge": b"\x80\x02\x8b" + struct.pack("<i", 2**30),
        "frame huge": b"\x80\x04\x95" + (2**40).to_bytes(8, "little") + b"N.",
        "memo index 2**30": b"\x80\x02Nr" + struct.pack("<I", 2**30) + b".",
        "memo index 255": b"\x80\x02Nq\xff.",
        "memo get unset": b"\x80\x02h\x05.",
        "BUILD on a global (slot state)": b"\x80\x02c_codecs\nencode\nN}" + _u("__defaults__")
        + _u("bad") + b"\x85s\x86b.",
        "BUILD on a global (dict state)": b"\x80\x02c_codecs\nencode\n}" + _u("__defaults__")
        + _u("bad") + b"\x85sb.",
        "BUILD on the dtype class": b"\x80\x02cnumpy\ndtype\n}" + _u("__init__") + b"Nsb.",
        "REDUCE of a non-global": b"\x80\x02N)R.",
        "os.system": b"\x80\x02cos\nsystem\n" + _u("true") + b"\x85R.",
        "builtins.getattr": b"\x80\x02cbuiltins\ngetattr\n.",
        "NEWOBJ": b"\x80\x02cnumpy\nndarray\n)\x81.",
        "INST": b"(ios\nsystem\nX\x04\x00\x00\x00true.",
        "data after STOP": pickle.dumps({"W1": np.ones(2)}, protocol=2) + b"N.",
        "empty": b"",
        "no STOP": pickle.dumps({"W1": np.ones(2)}, protocol=2)[:-1],
        "stack underflow": b"\x80\x02s.",
        "two objects": b"\x80\x02NN.",
        "object dtype": pickle.dumps({"W1": np.array([1, None], dtype=object)}, protocol=2),
        "structured dtype": pickle.dumps({"W1": np.zeros(2, "i4,f8")}, protocol=2),
        "shape lies": pickle.dumps({"W1": np.ones(4)}, protocol=2).replace(b"K\x04\x85",
                                                                            b"J\x00\x00\x00@\x85"),
        "non-str key": pickle.dumps({(1, 2): np.ones(2)}, protocol=2),
        "list of arrays": pickle.dumps([np.ones(2)], protocol=4),
    }
    return cases


def _npz_bytes(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=True)
    return buf.getvalue()


def _meta(**changes):
    meta = {"format": "nncore-network", "format_version": 1, "sizes": [3, 2],
            "activations": ["identity"], "output": "softmax", "dtype": "float64", **changes}
    return _npy(np.array(json.dumps(meta)))


GOOD_ENTRIES = {"meta.npy": _meta(), "W1.npy": _npy(np.ones((3, 2))), "b1.npy": _npy(np.zeros(2))}


def _huge_header(shape, dtype="<f8"):
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue()


def hostile_npz():
    """name -> bytes of an .npz that must be refused with NetworkFileError."""
    zeros = bytes(64 << 20)
    cases = {
        "header declares 2**40 elements": _npz_bytes(
            {**GOOD_ENTRIES, "W1.npy": _huge_header((2**40,)) + bytes(48)}),
        "header declares the right shape, data missing": _npz_bytes(
            {**GOOD_ENTRIES, "W1.npy": _huge_header((3, 2))}),
        "deflate bomb as an extra entry": _npz_bytes(
            {**GOOD_ENTRIES, "x.npy": _huge_header((8 << 20,)) + zeros}, zipfile.ZIP_DEFLATED),
        "deflate bomb as W1": _npz_bytes(
            {**GOOD_ENTRIES, "W1.npy": _huge_header((3, 2)) + zeros}, zipfile.ZIP_DEFLATED),
        "metadata declares 2**24 x 2**24": _npz_bytes(
            {**GOOD_ENTRIES, "meta.npy": _meta(sizes=[2**24, 2**24])}),
        "sizes with Infinity": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _npy(np.array(
            json.dumps({"format": "nncore-network", "format_version": 1, "sizes": [float("inf"), 2],
                        "activations": ["identity"], "output": "softmax", "dtype": "float64"})))}),
        "sizes negative": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(sizes=[-3, 2])}),
        "sizes true/false": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(sizes=[True, 2])}),
        "sizes as floats": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(sizes=[3.0, 2])}),
        "dtype object": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(dtype="object")}),
        "activation unknown": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(activations=["x"])}),
        "output a list": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _meta(output=["softmax"])}),
        "meta of 2 MB": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _npy(np.array("x" * (1 << 19)))}),
        "meta not JSON": _npz_bytes({**GOOD_ENTRIES, "meta.npy": _npy(np.array("{"))}),
        "meta an object array": _npz_bytes(
            {**GOOD_ENTRIES, "meta.npy": _npy(np.array([{}], dtype=object))}),
        "W1 float32 in a float64 file": _npz_bytes(
            {**GOOD_ENTRIES, "W1.npy": _npy(np.ones((3, 2), np.float32))}),
        "W1 Fortran order": _npz_bytes(
            {**GOOD_ENTRIES, "W1.npy": _npy(np.asfortranarray(np.ones((3, 2))))}),
        "W1 complex": _npz_bytes({**GOOD_ENTRIES, "W1.npy": _npy(np.ones((3, 2), complex))}),
        "entry not .npy": _npz_bytes({**GOOD_ENTRIES, "evil.py": b"print(1)"}),
        "npy version 9": _npz_bytes({**GOOD_ENTRIES, "W1.npy": b"\x93NUMPY\x09\x00"
                                     + _npy(np.ones((3, 2)))[8:]}),
    }
    return cases


def _write(tmp_path, cases, suffix):
    paths = {}
    for i, (name, blob) in enumerate(cases.items()):
        path = tmp_path / f"case{i}{suffix}"
        path.write_bytes(blob)
        paths[str(path)] = name
    return paths


def _check(report, names, allowed):
    for path, (outcome, seconds, grew, message) in report.items():
        name = names[path]
        assert outcome in allowed, f"{name}: {outcome}: {message}"
        if outcome != "ok":
            assert path in message, f"{name}: the message does not name the file: {message}"
        assert seconds < SECONDS, f"{name}: took {seconds:.1f} s"
        assert grew < GROWTH, f"{name}: peak memory grew by {grew >> 20} MiB"


def test_hostile_pickles_are_refused_fast(tmp_path):
    paths = _write(tmp_path, hostile_pickles(), ".pkl")
    report = load_all("pickle", list(paths))
    _check(report, paths, ("UnpicklingError", "ValueError"))
    assert sum(r[0] == "UnpicklingError" for r in report.values()) >= 25


def test_hostile_pickles_do_not_change_process_state(tmp_path):
    from nncore import io as nio

    saved = {key: (getattr(f, "__defaults__", None), dict(getattr(f, "__dict__", {})))
             for key, f in nio._ALLOWED.items()}
    for name, blob in hostile_pickles().items():
        path = tmp_path / "f.pkl"
        path.write_bytes(blob)
        if name.startswith("deep"):
            continue  # run in the child only: these are the ones that crashed the parser
        with pytest.raises((pickle.UnpicklingError, ValueError)):
            nncore.load_legacy_pickle(path)
    for key, f in nio._ALLOWED.items():
        assert (getattr(f, "__defaults__", None), dict(getattr(f, "__dict__", {}))) \
            == saved[key], key


def test_hostile_npz_files_are_refused_fast(tmp_path):
    paths = _write(tmp_path, hostile_npz(), ".npz")
    report = load_all("npz", list(paths))
    _check(report, paths, ("NetworkFileError",))


def _mutations(good, rng, n):
    """``n`` damaged copies of ``good``: bytes replaced, cut, duplicated or spliced."""
    out = []
    for _ in range(n):
        blob = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            pos = int(rng.integers(len(blob)))
            kind = rng.integers(4)
            if kind == 0:
                blob[pos] = int(rng.integers(256))
            elif kind == 1:
                del blob[pos:pos + int(rng.integers(1, 16))]
            elif kind == 2:
                blob[pos:pos] = blob[pos:pos + int(rng.integers(1, 64))] * int(rng.integers(1, 50))
            else:
                blob[pos:pos + 4] = struct.pack("<I", int(rng.choice([2**31 - 1, 2**32 - 1,
                                                                       0, 255, 2**20])))
        out.append(bytes(blob))
    return out


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_fuzz_legacy_pickle_bounded(tmp_path, protocol):
    rng = np.random.default_rng(protocol)
    good = pickle.dumps({"W1": np.ones((4, 3), np.float32), "b1": np.arange(3.0),
                         "s": np.float64(2.0)}, protocol=protocol)
    cases = {f"mutation {i}": b for i, b in enumerate(_mutations(good, rng, 150))}
    paths = _write(tmp_path, cases, ".pkl")
    _check(load_all("pickle", list(paths)), paths, ("ok", "UnpicklingError", "ValueError"))


def test_fuzz_npz_bounded(tmp_path):
    rng = np.random.default_rng(0)
    good = _npz_bytes(GOOD_ENTRIES)
    cases = {f"mutation {i}": b for i, b in enumerate(_mutations(good, rng, 200))}
    paths = _write(tmp_path, cases, ".npz")
    _check(load_all("npz", list(paths)), paths, ("ok", "NetworkFileError"))


def test_valid_files_still_load(tmp_path):
    net = nncore.Network.init([5, 4, 3], rng=0, dtype=np.float32)
    net.save(tmp_path / "net.npz")
    np.testing.assert_array_equal(nncore.load(tmp_path / "net.npz").predict(np.ones(5)),
                                  net.predict(np.ones(5)))
    for protocol in (2, 3, 4, 5):
        params = {"W1": np.asfortranarray(np.ones((2, 3), np.float32)), "b1": np.zeros(3)}
        (tmp_path / "p.pkl").write_bytes(pickle.dumps(params, protocol=protocol))
        got = nncore.load_legacy_pickle(tmp_path / "p.pkl")
        assert set(got) == {"W1", "b1"} and got["W1"].dtype == np.float32
        np.testing.assert_array_equal(got["W1"], params["W1"])


# ---------------------------------------------------------------- fuzzing the readers

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _labels_file(n=5):
    return struct.pack(">II", 2049, n) + bytes(range(n))


def _images_file(n=2, rows=3, cols=3):
    return struct.pack(">IIII", 2051, n, rows, cols) + bytes(n * rows * cols)


@FUZZ
@given(data=st.binary(max_size=64) | st.builds(
    lambda base, pos, byte: base[:pos] + bytes([byte]) + base[pos + 1:],
    st.sampled_from([_labels_file(), _images_file()]), st.integers(0, 40), st.integers(0, 255)))
def test_fuzz_idx_reader(data):
    for blob in (data, gzip.compress(data), data[:-1]):
        try:
            out = _idx.parse(_idx_bytes(blob))
        except ValueError:
            continue
        assert out.dtype == np.uint8 and out.ndim in (1, 3)


def _idx_bytes(blob):
    """Decompress like the reader does, so both layers are fuzzed."""
    if blob[:2] == b"\x1f\x8b":
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".gz", delete=False) as f:
            f.write(blob)
        try:
            return _idx.read_bytes(f.name)
        finally:
            os.unlink(f.name)
    return blob


def _good_npz():
    buf = io.BytesIO()
    net = nncore.Network.init([3, 2], rng=0)
    arrays = dict(net.params)
    import json
    arrays["meta"] = np.array(json.dumps({"format": "nncore-network", "format_version": 1,
                                          "sizes": [3, 2], "activations": ["identity"],
                                          "output": "softmax", "dtype": "float64"}))
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_NPZ = _good_npz()


def _damaged(factory, good, name, pos, byte, cut):
    """A file holding ``good`` cut at ``pos`` or with the byte there replaced."""
    blob = good[:pos] if cut else good[:pos] + bytes([byte]) + good[pos + 1:]
    path = factory.mktemp("fuzz") / name
    path.write_bytes(blob)
    return path


@FUZZ
@given(pos=st.integers(0, len(GOOD_NPZ) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_fuzz_npz_loader(tmp_path_factory, pos, byte, cut):
    path = _damaged(tmp_path_factory, GOOD_NPZ, "f.npz", pos, byte, cut)
    try:
        net = nncore.load(path)
    except ValueError:
        return
    assert net.sizes == [3, 2]


GOOD_PICKLE = pickle.dumps({"W1": np.ones((2, 3), np.float32), "b1": np.zeros(3)}, protocol=2)


@FUZZ
@given(pos=st.integers(0, len(GOOD_PICKLE) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_fuzz_legacy_pickle_loader(tmp_path_factory, pos, byte, cut):
    path = _damaged(tmp_path_factory, GOOD_PICKLE, "f.pkl", pos, byte, cut)
    try:
        params = nncore.load_legacy_pickle(path)
    except (pickle.UnpicklingError, ValueError):
        return
    assert all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in params.values())
