"""Network -> ONNX: the work of :meth:`Network.to_onnx` (on the network's public
attributes, so this module sits below nncore.network).

The graph is the plainest one ONNX Runtime and other tools read: per layer one
``Gemm`` (``x @ W + b``, W stored in nncore's ``(n_in, n_out)`` layout) and its
activation (``Relu``, ``Sigmoid``, ``Tanh``), then the output activation
(``Softmax`` over the last axis or ``Sigmoid``).  The batch dimension is
symbolic, so any batch size runs.
"""
import os
import re

import numpy as np

from ._atomic import atomic_write

__all__ = ["to_onnx", "OPSET"]

#: The ONNX operator set the files are written for (Softmax over axis -1 since 13).
OPSET = 13
_OPS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}


def _import_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("writing ONNX needs the onnx package: "
                          "pip install \"nncore-dlfs[onnx]\"") from None
    return onnx


def build_model(net, input_name="input", output_name="output"):
    """The ``onnx.ModelProto`` of ``net`` (see :meth:`Network.to_onnx`)."""
    onnx = _import_onnx()
    from onnx import TensorProto, helper, numpy_helper

    elem = TensorProto.FLOAT if net.dtype == np.float32 else TensorProto.DOUBLE
    nodes, inits = [], []
    x = input_name
    for i, layer in enumerate(net.layers, start=1):
        if layer.activation == "step":
            raise ValueError(f"layer {i} has the 'step' activation, which ONNX has no operator "
                             "for; only relu, sigmoid, tanh and identity layers can be exported")
        inits.append(numpy_helper.from_array(np.ascontiguousarray(layer.W), f"W{i}"))
        inits.append(numpy_helper.from_array(np.ascontiguousarray(layer.b), f"b{i}"))
        y = f"z{i}"
        nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"b{i}"], [y], name=f"affine{i}"))
        if layer.activation != "identity":
            x, y = y, f"a{i}"
            nodes.append(helper.make_node(_OPS[layer.activation], [x], [y],
                                          name=f"{layer.activation}{i}"))
        x = y
    if net.output == "softmax":
        nodes.append(helper.make_node("Softmax", [x], [output_name], axis=-1, name="softmax"))
    elif net.output == "sigmoid":
        nodes.append(helper.make_node("Sigmoid", [x], [output_name], name="output_sigmoid"))
    else:
        nodes.append(helper.make_node("Identity", [x], [output_name], name="output"))
    sizes = net.sizes
    graph = helper.make_graph(
        nodes, "nncore_network",
        [helper.make_tensor_value_info(input_name, elem, ["batch", sizes[0]])],
        [helper.make_tensor_value_info(output_name, elem, ["batch", sizes[-1]])],
        initializer=inits)
    from ._version import __version__

    opset = helper.make_opsetid("", OPSET)
    model = helper.make_model(graph, opset_imports=[opset], producer_name="nncore",
                              producer_version=__version__,
                              ir_version=helper.find_min_ir_version_for([opset]))
    onnx.checker.check_model(model)
    return model


def to_onnx(net, path, *, input_name="input", output_name="output"):
    """The work of :meth:`Network.to_onnx` (its docstring says what is written)."""
    for name, value in (("input_name", input_name), ("output_name", output_name)):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string; got {value!r}")
        if re.fullmatch(r"[Wbza][0-9]+", value):
            raise ValueError(f"{name} {value!r} is a name the graph uses for its own tensors")
    if input_name == output_name:
        raise ValueError(f"input_name and output_name must differ; both are {input_name!r}")
    blob = build_model(net, input_name, output_name).SerializeToString()
    with atomic_write(os.fspath(path)) as f:
        f.write(blob)
