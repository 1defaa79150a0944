"""ONNX -> Network: :func:`nncore.load_onnx`.

The graph is read, not run: starting from the input, each node on the way to
the chosen output must extend a chain of affine layers (``Gemm``, or ``MatMul``
then ``Add``), each followed by at most one activation (``Relu``, ``Sigmoid``,
``Tanh``), and may end in ``Softmax`` or ``Sigmoid``.  ``Identity``, a ``Cast`` to
the network's float type and a ``Reshape`` or ``Flatten`` that keep
``(batch, width)`` change nothing and are passed over.  skl2onnx's binary
classifier output, ``Concat([1 - p, p])`` of a sigmoid ``p``, becomes a
two-column softmax.  Any other operator on the way is refused by name.  Nodes
that do not lead to the chosen output (skl2onnx's label branch) are not read.
"""
import os
import stat

import numpy as np

from ._npz import Refused
from .io import NetworkFileError
from .network import Dense, Network
from ._onnx_tensors import TensorReader, float_dtype, type_name

__all__ = ["load_onnx", "MAX_ONNX_BYTES"]

#: The largest .onnx file :func:`load_onnx` reads.
MAX_ONNX_BYTES = 1 << 30
_MAX_NODES = 100_000
_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}
_ATTRIBUTES = {"Gemm": {"alpha", "beta", "transA", "transB", "broadcast"},
               "Softmax": {"axis"}, "Concat": {"axis"}, "Transpose": {"perm"},
               "Constant": {"value"}, "Cast": {"to", "saturate", "round_mode"},
               "Flatten": {"axis"}, "Reshape": {"allowzero"}}
_KNOWN = {"Gemm", "MatMul", "Add", "Sub", "Relu", "Sigmoid", "Tanh", "Softmax", "Identity",
          "Cast", "Reshape", "Flatten", "Constant", "Transpose", "Concat"}
_SUPPORTED = ("Gemm, MatMul, Add, Relu, Sigmoid, Tanh, Softmax, Identity, Cast, Reshape, "
              "Flatten, Constant, Transpose (of a constant), and Sub/Concat in skl2onnx's "
              "binary output")


class _Chain:
    """What a computed tensor holds: ``layers`` ([W, b, activation]) then ``output``.

    ``stage`` is "input" (no layer yet), "affine" (the last layer's activation is
    still open), "activated" or "output"; ``complement`` marks ``1 - sigmoid``.
    """

    def __init__(self, layers, stage, width, output="identity", complement=False):
        self.layers, self.stage, self.width = layers, stage, width
        self.output, self.complement = output, complement

    def but(self, **changes):
        new = _Chain(list(self.layers), self.stage, self.width, self.output, self.complement)
        for key, value in changes.items():
            setattr(new, key, value)
        return new


def _attributes(node):
    from onnx import AttributeProto

    allowed = _ATTRIBUTES.get(node.op_type, set())
    values = {}
    for a in node.attribute:
        if a.name not in allowed:
            raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}) has attribute "
                          f"{a.name[:40]!r}, which nncore does not read")
        if a.type == AttributeProto.INT:
            values[a.name] = a.i
        elif a.type == AttributeProto.FLOAT:
            values[a.name] = a.f
        elif a.type == AttributeProto.INTS:
            values[a.name] = list(a.ints)
        elif a.type == AttributeProto.TENSOR:
            values[a.name] = a.t
        else:
            raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}): attribute "
                          f"{a.name!r} has an unsupported type")
    return values


class _Graph:
    """Reads one GraphProto into layers; every refusal raises Refused."""

    def __init__(self, model, folder):
        self.graph = model.graph
        self.tensors = TensorReader(folder)
        self.opset = 0
        for entry in model.opset_import:
            if entry.domain in ("", "ai.onnx"):
                self.opset = entry.version
        if not 7 <= self.opset:
            raise Refused(f"it uses ONNX operator set {self.opset}; nncore reads sets 7 and newer")
        if len(self.graph.node) > _MAX_NODES:
            raise Refused(f"its graph has {len(self.graph.node)} nodes, more than {_MAX_NODES}")

    def _value_info(self, info, what):
        t = info.type
        if t.WhichOneof("value") != "tensor_type":
            raise Refused(f"{what} {info.name!r} is not a tensor (a {t.WhichOneof('value')})")
        dims = [d.dim_value if d.WhichOneof("value") == "dim_value" else None
                for d in t.tensor_type.shape.dim]
        return t.tensor_type.elem_type, dims

    def _pick_output(self, name):
        outputs = list(self.graph.output)
        names = [o.name for o in outputs]
        if name is not None:
            if name not in names:
                raise Refused(f"it has no output {name!r}; its outputs are {names}")
            return name
        tensors = [o.name for o in outputs
                   if o.type.WhichOneof("value") == "tensor_type"
                   and o.type.tensor_type.elem_type in (1, 11)]
        if len(tensors) == 1:
            return tensors[0]
        if not tensors:  # skl2onnx's ZipMap: the dictionaries of its float input
            for node in self.graph.node:
                if node.op_type == "ZipMap" and len(node.input) == 1 and len(names) \
                        and any(out in names for out in node.output):
                    return node.input[0]
            raise Refused(f"none of its outputs {names[:10]} is a FLOAT or DOUBLE tensor")
        raise Refused(f"it has several float outputs {tensors[:10]}; pass output= to choose one")

    def _needed(self, target):
        """The nodes leading to ``target``, in file order."""
        producer = {}
        for i, node in enumerate(self.graph.node):
            for out in node.output:
                producer.setdefault(out, i)
        need, todo = set(), [target]
        while todo:
            i = producer.get(todo.pop())
            if i is not None and i not in need:
                need.add(i)
                todo.extend(self.graph.node[i].input)
        return [self.graph.node[i] for i in sorted(need)]

    def network(self, output=None):
        """``(layers, output name, dtype)``: what the chosen output computes."""
        constants = {t.name: t for t in self.graph.initializer}
        inputs = [i for i in self.graph.input if i.name not in constants]
        if len(inputs) != 1:
            raise Refused(f"it has {len(inputs)} inputs {[i.name for i in inputs][:10]}; an MLP "
                          "has one, (batch, features)")
        elem, dims = self._value_info(inputs[0], "input")
        self.dtype = float_dtype(elem, f"input {inputs[0].name!r}")
        if len(dims) != 2:
            raise Refused(f"input {inputs[0].name!r} has {len(dims)} dimensions; nncore reads "
                          "networks taking (batch, features)")
        target = self._pick_output(output)
        values = {inputs[0].name: _Chain([], "input", dims[1])}
        self.constants, self.decoded = constants, {}
        for node in self._needed(target):
            if len(node.output) != 1 or node.domain not in ("", "ai.onnx") \
                    or node.op_type not in _KNOWN:
                op = f"{node.domain}.{node.op_type}" if node.domain else node.op_type
                raise Refused(f"operator {op} (node {node.name or '?'!r}) is not supported; "
                              f"nncore reads {_SUPPORTED}")
            values[node.output[0]] = self._step(node, values)
        result = values.get(target)
        if not isinstance(result, _Chain):
            raise Refused(f"output {target!r} does not depend on the input")
        return self._finish(result, target)

    # ------------------------------------------------------------ one node

    def _const(self, name, values):
        if name in values and not isinstance(values[name], _Chain):
            return values[name]
        if name in self.constants:
            if name not in self.decoded:
                self.decoded[name] = self.tensors.array(self.constants[name])
            return self.decoded[name]
        return None

    def _split(self, node, values):
        """(the one computed input, [constants]) of a node, or Refused."""
        chain, consts = None, []
        for name in node.input:
            if name == "":
                consts.append(None)
                continue
            value = values.get(name)
            if isinstance(value, _Chain):
                if chain is not None:
                    raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}) combines "
                                  "two computed tensors; an MLP layer takes one")
                chain = value
                continue
            const = self._const(name, values)
            if const is None:
                raise Refused(f"node {node.name or node.op_type!r} reads {name[:80]!r}, which is "
                              "neither an input, a constant nor computed before it")
            consts.append(const)
        return chain, consts

    def _weights(self, W, node, chain):
        if not isinstance(W, np.ndarray) or W.ndim != 2 or W.dtype != self.dtype:
            got = "missing" if W is None else f"{W.dtype} of shape {W.shape}"
            raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}) needs a 2-D "
                          f"{self.dtype} weight constant; got {got}")
        if chain.width is not None and W.shape[0] != chain.width:
            raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}) takes "
                          f"{W.shape[0]} inputs but gets {chain.width}")
        return W

    def _bias(self, c, width, node):
        if c.dtype != self.dtype or c.size not in (1, width) or c.ndim > 2 \
                or (c.ndim >= 1 and c.shape[-1] != c.size) or (c.ndim == 2 and c.shape[0] != 1):
            raise Refused(f"node {node.name or node.op_type!r} ({node.op_type}) needs a bias of "
                          f"shape ({width},) or (1, {width}) in {self.dtype}; got {c.dtype} of "
                          f"shape {c.shape}")
        return np.broadcast_to(c.reshape(-1), (width,))

    def _step(self, node, values):
        op, attrs = node.op_type, _attributes(node)
        if op == "Constant":
            if "value" not in attrs:
                raise Refused(f"Constant node {node.name!r} has no tensor value")
            return self.tensors.array(attrs["value"])
        where = f"node {node.name or op!r} ({op})"
        if op == "Concat":
            return self._concat(node, values, attrs, where)
        chain, consts = self._split(node, values)
        if chain is None:  # constant folding, for Identity/Transpose of weights
            if op == "Identity" and len(consts) == 1:
                return consts[0]
            if op == "Transpose" and len(consts) == 1 and consts[0] is not None \
                    and consts[0].ndim == 2 and attrs.get("perm", [1, 0]) == [1, 0]:
                return consts[0].T.copy()
            raise Refused(f"operator {op} on constants ({where}) is not supported; nncore "
                          f"reads {_SUPPORTED}")
        if chain.complement and op != "Concat":
            raise Refused(f"{where} follows 1 - sigmoid; only skl2onnx's Concat may")
        if op == "Identity":
            return chain
        if op in ("Gemm", "MatMul"):
            if chain.stage == "output":
                raise Refused(f"{where} follows the output activation")
            if op == "MatMul":
                if len(consts) != 1 or node.input[0] not in values \
                        or not isinstance(values[node.input[0]], _Chain):
                    raise Refused(f"{where} must multiply the computed tensor by a weight "
                                  "constant (x @ W)")
                W = self._weights(consts[0], node, chain).copy()
                b = np.zeros(W.shape[1], self.dtype)
            else:
                if not isinstance(values.get(node.input[0]), _Chain) or attrs.get("transA", 0):
                    raise Refused(f"{where} must take the computed tensor as A, untransposed")
                B = consts[0]
                W = self._weights(None if B is None or B.ndim != 2 else
                                  (B.T if attrs.get("transB", 0) else B), node, chain)
                alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
                W = W * self.dtype.type(alpha) if alpha != 1.0 else W.copy()
                C = consts[1] if len(consts) > 1 else None
                b = (np.zeros(W.shape[1], self.dtype) if C is None else
                     self._bias(C, W.shape[1], node) * self.dtype.type(beta))
            return chain.but(layers=chain.layers + [[W, np.array(b), "identity"]],
                             stage="affine", width=W.shape[1])
        if op == "Add":
            if chain.stage != "affine" or len(consts) != 1:
                raise Refused(f"{where} is not the bias of a MatMul: it must follow a MatMul "
                              "or Gemm directly and add a constant")
            W, b, act = chain.layers[-1]
            layers = chain.layers[:-1] + [[W, b + self._bias(consts[0], chain.width, node), act]]
            return chain.but(layers=layers)
        if op in _ACTIVATIONS:
            if op == "Sigmoid" and chain.stage == "activated":  # e.g. Linear, ReLU, Sigmoid
                return chain.but(stage="output", output="sigmoid")
            if chain.stage != "affine":
                raise Refused(f"{where} must follow a Gemm or MatMul (+ Add); it follows "
                              + ("the input" if chain.stage == "input" else
                                 "another activation" if chain.stage == "activated" else
                                 "the output activation"))
            W, b, _ = chain.layers[-1]
            return chain.but(layers=chain.layers[:-1] + [[W, b, _ACTIVATIONS[op]]],
                             stage="activated")
        if op == "Softmax":
            axis = attrs.get("axis", -1 if self.opset >= 13 else 1)
            if chain.stage not in ("affine", "activated") or axis not in (1, -1):
                raise Refused(f"{where} must come after the last layer, over axis -1; got axis "
                              f"{axis} after {chain.stage}")
            return chain.but(stage="output", output="softmax")
        if op == "Cast":
            if attrs.get("to") not in (1, 11):
                raise Refused(f"{where} casts to {type_name(attrs.get('to'))}")
            if chain.stage == "input":
                self.dtype = float_dtype(attrs["to"], where)
            elif float_dtype(attrs["to"], where) != self.dtype:
                raise Refused(f"{where} changes the type inside the network")
            return chain
        if op in ("Reshape", "Flatten"):
            if op == "Flatten" and attrs.get("axis", 1) == 1 and not consts:
                return chain
            shape = consts[0] if op == "Reshape" and len(consts) == 1 else None
            if shape is not None and shape.dtype == np.int64 and shape.shape == (2,) and \
                    shape[0] in (-1, 0) and (shape[1] == chain.width or shape[1] == -1) \
                    and not (shape[0] == 0 and attrs.get("allowzero", 0)) and chain.width:
                return chain
            raise Refused(f"{where} changes the shape (batch, {chain.width}); nncore reads "
                          "networks that keep it")
        if op == "Sub" and len(consts) == 1 and node.input[1] in values \
                and isinstance(values[node.input[1]], _Chain) and consts[0].size == 1 \
                and float(consts[0].reshape(-1)[0]) == 1.0 and chain.width == 1 \
                and chain.stage == "activated" and chain.layers[-1][2] == "sigmoid":
            return chain.but(complement=True)
        raise Refused(f"operator {op} ({where}) is not supported; nncore reads {_SUPPORTED}")

    def _concat(self, node, values, attrs, where):
        """skl2onnx's binary probabilities ``[1 - p, p]``: a softmax over ``[0, z]``."""
        parts = [values.get(name) for name in node.input]
        if len(parts) == 2 and all(isinstance(p, _Chain) for p in parts) \
                and attrs.get("axis") in (1, -1) and parts[0].complement != parts[1].complement \
                and parts[0].layers[-1][0] is parts[1].layers[-1][0]:
            p = parts[1] if parts[0].complement else parts[0]
            W, b, _ = p.layers[-1]
            zeros_W, zeros_b = np.zeros_like(W), np.zeros_like(b)
            pair_W = np.hstack([zeros_W, W] if parts[0].complement else [W, zeros_W])
            pair_b = np.concatenate([zeros_b, b] if parts[0].complement else [b, zeros_b])
            return _Chain(p.layers[:-1] + [[pair_W, pair_b, "identity"]], "output", 2,
                          output="softmax")
        raise Refused(f"{where} is not supported: nncore reads Concat only as skl2onnx's binary "
                      "output [1 - p, p]")

    def _finish(self, chain, target):
        if chain.complement:
            raise Refused(f"output {target!r} is 1 - sigmoid, not a network output")
        if not chain.layers:
            raise Refused(f"output {target!r} is the input: the graph holds no layer")
        layers, output = chain.layers, chain.output
        if output == "identity" and layers[-1][2] == "sigmoid":
            layers[-1][2], output = "identity", "sigmoid"
        return layers, output, self.dtype


def load_onnx(path, output=None):
    """Read an MLP from an ONNX file (needs the ``onnx`` package).

    Reads what :meth:`Network.to_onnx` writes, what ``torch.onnx.export`` writes
    for an ``nn.Sequential`` of ``Linear`` layers and activations (both the
    TorchScript and the dynamo exporter), and what ``skl2onnx`` writes for
    ``MLPClassifier`` and ``MLPRegressor``: ``Gemm`` or ``MatMul`` + ``Add``
    layers, ``Relu``, ``Sigmoid`` or ``Tanh`` after each, and a ``Softmax`` or
    ``Sigmoid`` output.  Any other operator on the way from the input to the
    output is refused with a message naming it.

    The file is untrusted input.  It is parsed as data (nothing in it runs); a
    file over :data:`MAX_ONNX_BYTES` is refused before it is read; every tensor's
    declared size is checked against the bytes it holds before an array is
    made; external data is read only from regular files inside the model's own
    folder.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.onnx`` file.
    output : str, optional
        Which graph output to read, for graphs with several float outputs.  By
        default the only FLOAT or DOUBLE tensor output (skl2onnx's classifier
        also has a label output, which is ignored; with its ZipMap of
        probabilities, the probabilities before the ZipMap are read).

    Returns
    -------
    Network
        float32 or float64 like the graph's input.  A binary skl2onnx
        classifier's ``[1 - p, p]`` becomes a two-column softmax (the same values).

    Raises
    ------
    NetworkFileError
        (a ValueError) When the file is not an ONNX model nncore can read: not
        protobuf, too large, an unsupported operator (named), a tensor whose
        size disagrees with its data, external data outside the folder, or a
        layout that is not an MLP.  The message names the file and the problem.
    ImportError
        When the ``onnx`` package is missing (``pip install "nncore-dlfs[onnx]"``).
    FileNotFoundError
        When there is no file at ``path``.

    Examples
    --------
    >>> import os, tempfile, numpy as np, nncore
    >>> net = nncore.Network.init([3, 4, 2], activation="tanh", rng=0, dtype=np.float32)
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> net.to_onnx(path)
    >>> back = nncore.load_onnx(path)
    >>> back
    Network(sizes=[3, 4, 2], activations=['tanh', 'identity'], output='softmax', dtype=float32)
    >>> bool((back.predict(np.ones(3)) == net.predict(np.ones(3))).all())
    True
    """
    path = os.fspath(path)

    def bad(why):
        return NetworkFileError(f"{path}: not an ONNX model nncore can read: {why}")

    if output is not None and not isinstance(output, str):
        raise TypeError(f"output must be a graph output's name (str); got "
                        f"{type(output).__name__}")
    try:
        import onnx
    except ImportError:
        raise ImportError("reading ONNX needs the onnx package: "
                          "pip install \"nncore-dlfs[onnx]\"") from None
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device never end
        raise bad("it is not a regular file")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        # read() preallocates what it is asked for: ask for the file's size, one more
        # byte to notice a file that grew
        blob = b"" if size > MAX_ONNX_BYTES else f.read(size + 1)
    if size > MAX_ONNX_BYTES or len(blob) > MAX_ONNX_BYTES:
        raise bad(f"larger than {MAX_ONNX_BYTES} bytes, the most load_onnx reads")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(blob)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise bad(f"it is not an ONNX (protobuf) file ({type(exc).__name__})") from None
    if not model.HasField("graph"):
        raise bad("it holds no graph")
    if model.functions:
        raise bad("it defines local functions, which nncore does not read")
    try:
        layers, out, dtype = _Graph(model, os.path.dirname(os.path.abspath(path))).network(output)
        return Network([Dense(W.astype(dtype, copy=False), b.astype(dtype, copy=False), act)
                        for W, b, act in layers], output=out)
    except Refused as exc:
        raise bad(str(exc)) from None
    except (TypeError, ValueError) as exc:
        raise bad(str(exc)) from None
