"""Weights in from scikit-learn and PyTorch: :meth:`Network.from_sklearn` and
:meth:`Network.from_torch`.

Neither library is a dependency of nncore: both functions read the fitted
model's own arrays and import nothing from its library until they run, so a
missing library never breaks ``import nncore``.  The network built computes what
the source model computes, within float rounding; anything the network cannot
express is refused with a message naming it.
"""
import numpy as np

__all__ = ["sklearn_layers", "torch_layers"]

# scikit-learn's activation names -> nncore's
_SKLEARN_HIDDEN = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_SKLEARN_OUTPUT = {"identity": "identity", "logistic": "sigmoid", "softmax": "softmax"}


def _float_dtype(arrays, what):
    dtype = np.result_type(*arrays)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{what} must hold float32 or float64 weights; got {dtype}")
    return dtype


def sklearn_layers(model):
    """``([(W (n_in, n_out), b, activation), ...], output)`` of a fitted scikit-learn
    MLP, for :meth:`Network.from_sklearn` (whose docstring says what is read)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    kind = type(model).__name__
    if not isinstance(model, (MLPClassifier, MLPRegressor)):
        raise TypeError(f"from_sklearn takes a fitted sklearn.neural_network.MLPClassifier or "
                        f"MLPRegressor; got {type(model).__module__}.{kind}")
    if not hasattr(model, "coefs_") or not hasattr(model, "out_activation_"):
        raise ValueError(f"{kind} is not fitted: call fit() before from_sklearn")
    hidden = _SKLEARN_HIDDEN.get(model.activation)
    if hidden is None:
        raise ValueError(f"{kind} activation={model.activation!r} is not supported; nncore has "
                         f"{', '.join(map(repr, _SKLEARN_HIDDEN))}")
    output = _SKLEARN_OUTPUT.get(model.out_activation_)
    if output is None:
        raise ValueError(f"{kind} out_activation_={model.out_activation_!r} is not supported; "
                         f"nncore has {', '.join(map(repr, _SKLEARN_OUTPUT))}")
    coefs, intercepts = list(model.coefs_), list(model.intercepts_)
    if not coefs or len(coefs) != len(intercepts):
        raise ValueError(f"{kind} has {len(coefs)} coefs_ and {len(intercepts)} intercepts_; "
                         "expected one of each per layer")
    dtype = _float_dtype(coefs + intercepts, f"{kind}")
    layers = [(np.asarray(W, dtype), np.asarray(b, dtype), hidden)
              for W, b in zip(coefs, intercepts)]
    W, b, _ = layers[-1]
    layers[-1] = (W, b, "identity")
    binarizer = getattr(model, "_label_binarizer", None)
    if output == "sigmoid" and W.shape[1] == 1 and getattr(binarizer, "y_type_", "") == "binary":
        zero_W, zero_b = np.zeros_like(W), np.zeros_like(b)
        layers[-1] = (np.hstack([zero_W, W]), np.concatenate([zero_b, b]), "identity")
        output = "softmax"
    return layers, output


# torch module class name -> nncore activation, and the names allowed as output
_TORCH_ACTIVATIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}
_TORCH_OUTPUTS = ("Softmax", "Sigmoid")


def _torch_array(tensor, what):
    array = tensor.detach().cpu().numpy()
    if array.dtype not in (np.float32, np.float64):
        raise TypeError(f"{what} is {tensor.dtype}; nncore takes torch.float32 or torch.float64 "
                        "(convert the model with .float() or .double())")
    return np.array(array, copy=True)


def torch_layers(module):
    """``([(W (n_in, n_out), b, activation), ...], output)`` of a PyTorch
    ``nn.Sequential``, for :meth:`Network.from_torch` (whose docstring says what is
    read)."""
    kind = f"{type(module).__module__}.{type(module).__name__}"
    if kind != "torch.nn.modules.container.Sequential":
        raise TypeError(f"from_torch takes a torch.nn.Sequential of Linear layers and "
                        f"activations; got {kind}")
    children = list(module.named_children())
    layers = []        # [W, b, activation] being built
    output = "identity"
    for position, (name, layer) in enumerate(children):
        cname = type(layer).__name__
        where = f"layer {position} ({name!r}: {cname})"
        if type(layer).__module__.split(".")[0] != "torch":
            raise TypeError(f"{where} is not supported: from_torch reads torch.nn layers only")
        if cname == "Identity":
            continue
        if output != "identity":
            raise ValueError(f"{where} follows the output activation; Softmax or a final Sigmoid "
                             "must be the last layer")
        if cname == "Linear":
            W = _torch_array(layer.weight, f"{where} weight").T
            b = (np.zeros(W.shape[1], W.dtype) if layer.bias is None
                 else _torch_array(layer.bias, f"{where} bias"))
            if layers and layers[-1][0].shape[1] != W.shape[0]:
                raise ValueError(f"{where} takes {W.shape[0]} inputs but the layer before gives "
                                 f"{layers[-1][0].shape[1]}")
            layers.append([W, b, "identity"])
            continue
        last = all(type(c).__name__ == "Identity" for _, c in children[position + 1:])
        if cname == "Softmax" or (cname == "Sigmoid" and last):
            if not layers:
                raise ValueError(f"{where} comes before any Linear layer")
            if cname == "Softmax":
                if layer.dim not in (-1, 1):
                    raise ValueError(f"{where} has dim={layer.dim!r}; nncore's softmax runs over "
                                     "the last dimension: use Softmax(dim=-1)")
                if not last:
                    raise ValueError(f"{where} is not the last layer; Softmax is only supported "
                                     "as the output")
            output = cname.lower()
            continue
        activation = _TORCH_ACTIVATIONS.get(cname)
        if activation is None:
            raise TypeError(f"{where} is not supported; from_torch reads Linear, "
                            f"{', '.join(_TORCH_ACTIVATIONS)}, Identity and a final Softmax")
        if not layers:
            raise ValueError(f"{where} comes before any Linear layer")
        if layers[-1][2] != "identity":
            raise ValueError(f"{where} follows another activation; each Linear layer takes at "
                             "most one")
        layers[-1][2] = activation
    if not layers:
        raise ValueError("the Sequential holds no Linear layer")
    dtype = _float_dtype([a for W, b, _ in layers for a in (W, b)], "the module")
    if any(W.dtype != dtype or b.dtype != dtype for W, b, _ in layers):
        raise TypeError(f"the module mixes dtypes; nncore networks have one dtype "
                        f"(convert the model with .to({'torch.' + str(dtype)}))")
    return layers, output
