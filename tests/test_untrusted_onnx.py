"""Hostile and fuzzed ONNX files: refused with NetworkFileError, with bounded memory.

Each case is a file built here by hand (a specific attack) or a random damage of
a valid file.  All are read in a child process whose address space is capped
(tests/bounded.py): an allocation the size of a tensor's declared dims rather
than of its data fails there instead of swapping the machine.
"""
import os

import numpy as np
import pytest

import nncore

from .bounded import load_all
from .test_untrusted_files import _mutations, _write

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

GROWTH = 64 << 20       # peak memory growth per file


def _tensor(name, array, **fields):
    t = onnx.numpy_helper.from_array(np.asarray(array), name)
    for key, value in fields.items():
        if key == "dims":
            del t.dims[:]
            t.dims.extend(value)
        else:
            setattr(t, key, value)
    return t


def _model(nodes=None, inits=None, inputs=None, outputs=None, opset=13, elem=TensorProto.DOUBLE,
           functions=()):
    """A model's bytes: by default x (batch, 3) -> Gemm(W1, b1) -> Softmax -> y (batch, 2)."""
    if nodes is None:
        nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["z"]),
                 helper.make_node("Softmax", ["z"], ["y"], axis=-1)]
    if inits is None:
        inits = [_tensor("W1", np.ones((3, 2))), _tensor("b1", np.zeros(2))]
    if inputs is None:
        inputs = [helper.make_tensor_value_info("x", elem, ["batch", 3])]
    if outputs is None:
        outputs = [helper.make_tensor_value_info("y", elem, ["batch", 2])]
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version=8, functions=list(functions))
    return model.SerializeToString()


def _short_tensor():
    t = TensorProto(name="W1", data_type=TensorProto.DOUBLE, dims=[3, 2])
    t.double_data.extend([1.0, 2.0])
    return t


def _external(location, **extra):
    t = _tensor("W1", np.ones((3, 2)))
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location, "offset": "0", "length": "48", **extra}
    for key, value in entries.items():
        if value is not None:
            t.external_data.add(key=key, value=value)
    return _model(inits=[t, _tensor("b1", np.zeros(2))])


def _field(number, payload):
    """One length-delimited protobuf field (wire type 2)."""
    key, size, out = number << 3 | 2, len(payload), bytearray()
    for value in (key, size):
        while value > 0x7F:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out) + payload


def _nested_if(depth):
    """A model whose If node's then_branch holds an If node ... ``depth`` graphs deep.

    Written as raw protobuf: the onnx package's own helpers copy messages through
    its parser, which stops at 100 levels, as it should for load_onnx too.
    """
    graph = _field(1, _field(1, b"x") + _field(2, b"y") + _field(4, b"Identity"))
    for _ in range(depth):
        attribute = _field(1, b"then_branch") + _field(6, graph) + b"\xa0\x01\x05"  # GRAPH
        graph = _field(1, _field(1, b"c") + _field(2, b"y") + _field(4, b"If")
                       + _field(5, attribute))
    good = onnx.load_from_string(_model())
    good.graph.ClearField("node")
    return good.SerializeToString() + _field(7, graph)


def _gemm_then(op, **attrs):
    return [helper.make_node("Gemm", ["x", "W1", "b1"], ["z"]),
            helper.make_node(op, ["z"], ["y"], **attrs)]


def hostile_onnx():
    """name -> bytes of a model that must be refused with NetworkFileError."""
    good = _model()
    ones = np.ones((3, 2))
    b1 = _tensor("b1", np.zeros(2))
    x2 = helper.make_tensor_value_info("x2", TensorProto.DOUBLE, ["batch", 3])
    return {
        "empty file": b"",
        "not protobuf": b"\x93NUMPY\x01\x00" + bytes(range(256)) * 4,
        "truncated": good[:len(good) // 2],
        "an .npz file": b"PK\x03\x04" + bytes(100),
        "W1 declares 2**40 elements": _model(inits=[_tensor("W1", ones, dims=[2**20, 2**20]), b1]),
        "W1 declares 2**26 elements, holds 48 bytes":
            _model(inits=[_tensor("W1", ones, dims=[2**13, 2**13]), b1]),
        "W1 negative dims": _model(inits=[_tensor("W1", ones, dims=[-3, -2]), b1]),
        "W1 double_data too short": _model(inits=[_short_tensor(), b1]),
        "W1 int32": _model(inits=[_tensor("W1", np.ones((3, 2), np.int32)), b1]),
        "W1 float32 in a double graph": _model(inits=[_tensor("W1", ones.astype(np.float32)), b1]),
        "W1 missing": _model(inits=[b1]),
        "W1 3-D": _model(inits=[_tensor("W1", np.ones((3, 2, 1))), b1]),
        "input float16": _model(elem=TensorProto.FLOAT16),
        "input rank 3": _model(inputs=[helper.make_tensor_value_info(
            "x", TensorProto.DOUBLE, ["batch", 3, 1])]),
        "two inputs": _model(inputs=[helper.make_tensor_value_info(
            "x", TensorProto.DOUBLE, ["batch", 3]), x2]),
        "output a sequence": _model(outputs=[helper.make_tensor_sequence_value_info(
            "y", TensorProto.DOUBLE, None)]),
        "LeakyRelu": _model(nodes=_gemm_then("LeakyRelu")),
        "Conv": _model(nodes=[helper.make_node("Conv", ["x", "W1"], ["y"])]),
        "custom domain": _model(nodes=[helper.make_node("Gemm", ["x", "W1", "b1"], ["y"],
                                                        domain="com.evil")]),
        "Softmax over axis 0": _model(nodes=_gemm_then("Softmax", axis=0)),
        "unknown attribute": _model(nodes=_gemm_then("Softmax", axis=-1, evil=1)),
        "Gemm transA": _model(nodes=[helper.make_node("Gemm", ["x", "W1", "b1"], ["z"], transA=1),
                                     helper.make_node("Identity", ["z"], ["y"])]),
        "residual Add": _model(nodes=[helper.make_node("Gemm", ["x", "W1", "b1"], ["z"]),
                                      helper.make_node("Add", ["z", "z"], ["y"])]),
        "MatMul of the input by itself": _model(nodes=[helper.make_node("MatMul", ["x", "x"],
                                                                        ["y"])]),
        "Add before any layer": _model(nodes=[helper.make_node("Add", ["x", "b1"], ["y"])]),
        "two activations": _model(nodes=[helper.make_node("Gemm", ["x", "W1", "b1"], ["z"]),
                                         helper.make_node("Relu", ["z"], ["r"]),
                                         helper.make_node("Tanh", ["r"], ["y"])]),
        "undefined tensor": _model(nodes=[helper.make_node("Gemm", ["x", "W9", "b1"], ["y"])]),
        "output is the input": _model(nodes=[helper.make_node("Identity", ["x"], ["y"])]),
        "output is a constant": _model(nodes=[helper.make_node("Identity", ["b1"], ["y"])]),
        "If with nested subgraphs": _nested_if(3),
        "subgraphs nested 200 deep": _nested_if(200),
        "operator set 1": _model(opset=1),
        "local function": _model(functions=[helper.make_function(
            "local", "f", ["a"], ["b"], [helper.make_node("Relu", ["a"], ["b"])],
            [helper.make_opsetid("", 13)])]),
        "external data ../outside": _external("../secret.bin"),
        "external data absolute": _external("/etc/hostname"),
        "external data symlink out": _external("link.bin"),
        "external data a FIFO": _external("fifo.bin"),
        "external data a folder": _external("sub"),
        "external data missing": _external("nothing-here.bin"),
        "external data past the end": _external("weights.bin", offset="1000"),
        "external data wrong length": _external("weights.bin", length="8"),
        "external data negative offset": _external("weights.bin", offset="-8"),
        "external data offset not a number": _external("weights.bin", offset="x"),
        "external data unknown key": _external("weights.bin", evil="1"),
        "external data no location": _external(None),
    }


@pytest.fixture
def model_dir(tmp_path):
    """A folder for the models, with files beside it that external data may try to reach."""
    folder = tmp_path / "models"
    folder.mkdir()
    (tmp_path / "secret.bin").write_bytes(bytes(4096))
    (folder / "weights.bin").write_bytes(np.ones((3, 2)).tobytes())
    (folder / "sub").mkdir()
    os.symlink(tmp_path / "secret.bin", folder / "link.bin")
    os.mkfifo(folder / "fifo.bin")
    return folder


def _check(report, names, allowed):
    """Like test_untrusted_files' check, without timing (memory is what a file could blow)."""
    for path, (outcome, _seconds, grew, message) in report.items():
        name = names[path]
        assert outcome in allowed, f"{name}: {outcome}: {message}"
        if outcome != "ok":
            assert path in message, f"{name}: the message does not name the file: {message}"
        assert grew < GROWTH, f"{name}: peak memory grew by {grew >> 20} MiB"


def test_hostile_onnx_files_are_refused(model_dir):
    paths = _write(model_dir, hostile_onnx(), ".onnx")
    report = load_all("onnx", list(paths))
    _check(report, paths, ("NetworkFileError",))


@pytest.mark.parametrize("name, message", [
    ("LeakyRelu", "operator LeakyRelu .* is not supported"),
    ("Conv", "operator Conv"),
    ("custom domain", "operator com.evil.Gemm"),
    ("If with nested subgraphs", "operator If"),
    ("W1 declares 2**40 elements", "more than 268435456 elements"),
    ("W1 declares 2**26 elements, holds 48 bytes", "holds 48 bytes"),
    ("external data ../outside", "outside the model's folder"),
    ("external data symlink out", "outside the model's folder"),
    ("external data absolute", "relative to the model's folder"),
    ("external data a FIFO", "not a regular file"),
    ("input float16", "FLOAT16"),
    ("residual Add", "two computed tensors"),
])
def test_refusals_name_the_problem(model_dir, name, message):
    path = model_dir / "m.onnx"
    path.write_bytes(hostile_onnx()[name])
    with pytest.raises(nncore.NetworkFileError, match=message):
        nncore.load_onnx(path)


def test_external_data_inside_the_folder_loads(model_dir, backend):
    path = model_dir / "ext.onnx"
    path.write_bytes(_external("weights.bin"))
    net = nncore.load_onnx(path)
    np.testing.assert_array_equal(net.params["W1"], np.ones((3, 2)))
    np.testing.assert_allclose(net.predict([[1.0, 2.0, 3.0]]), [[0.5, 0.5]])


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    from nncore import _onnx_read

    path = tmp_path / "big.onnx"
    path.write_bytes(_model())
    monkeypatch.setattr(_onnx_read, "MAX_ONNX_BYTES", 64)
    with pytest.raises(nncore.NetworkFileError, match="larger than 64 bytes"):
        nncore.load_onnx(path)


def test_fuzz_onnx_bounded(tmp_path):
    net = nncore.Network.init([4, 5, 3], activation="relu", rng=0)
    net.to_onnx(tmp_path / "good.onnx")
    good = (tmp_path / "good.onnx").read_bytes()
    rng = np.random.default_rng(0)
    cases = {f"mutation {i}": b for i, b in enumerate(_mutations(good, rng, 200))}
    paths = _write(tmp_path, cases, ".onnx")
    report = load_all("onnx", list(paths))
    _check(report, paths, ("ok", "NetworkFileError"))
    assert sum(r[0] == "NetworkFileError" for r in report.values()) >= 20
