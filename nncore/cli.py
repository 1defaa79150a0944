"""The ``nncore`` command line (console script and ``python -m nncore``).

``nncore evaluate``   accuracy of a model on MNIST (default: the shipped model, offline)
``nncore train``      train an MLP on MNIST and save it
``nncore show``       a PNG of digits with true and predicted labels
``nncore info``       versions, backend and build flags
"""
import argparse
import functools
import pickle
import sys
import time

import numpy as np

from . import _startup

PROG = "nncore"
MNIST_TRAIN, MNIST_TEST = 60000, 10000


class UsageError(Exception):
    """A bad combination of arguments, reported as one line."""


def _load_model(args):
    import nncore
    from nncore import pretrained

    if getattr(args, "model", None) and getattr(args, "legacy_pickle", None):
        raise UsageError("give --model or --legacy-pickle, not both")
    if getattr(args, "legacy_pickle", None):
        params = nncore.load_legacy_pickle(args.legacy_pickle)
        net = nncore.Network.from_params(params, activation="sigmoid", output="softmax")
        return _mnist_shaped(net, args.legacy_pickle), args.legacy_pickle
    if getattr(args, "model", None):
        load = nncore.load_onnx if args.model.lower().endswith(".onnx") else nncore.load
        return _mnist_shaped(load(args.model), args.model), args.model
    return pretrained.mnist(), "the shipped model (nncore.pretrained.mnist)"


def _mnist_shaped(net, name):
    """``net`` if it maps 784 pixels to 10 classes, else ValueError naming ``name``."""
    if net.sizes[0] != 784 or net.sizes[-1] != 10:
        raise ValueError(f"{name}: the model maps {net.sizes[0]} inputs to {net.sizes[-1]} "
                         "outputs; classifying MNIST digits needs 784 inputs and 10 outputs")
    return net


def _evaluate(args):
    from nncore.datasets import load_mnist

    net, name = _load_model(args)
    x, t = load_mnist(split=args.split, data_home=args.data_home, dtype=net.dtype)
    start = time.perf_counter()
    pred = np.concatenate([net.classify(x[i:i + args.batch_size])
                           for i in range(0, len(x), args.batch_size)])
    seconds = time.perf_counter() - start
    print(f"model:      {name}")
    print(f"data:       MNIST {args.split} split, {len(x)} images")
    print(f"accuracy:   {np.mean(pred == t):.4f}")
    print(f"throughput: {len(x) / seconds:,.0f} images/s (batch size {args.batch_size}, "
          f"{seconds * 1000:.1f} ms)")
    print("digit  count  accuracy")
    for d in range(10):
        mask = t == d
        print(f"{d:>5}  {int(mask.sum()):>5}  {np.mean(pred[mask] == d):.4f}")
    return 0


def _train(args):
    import nncore
    from nncore.datasets import load_mnist

    dtype = np.dtype(args.dtype)
    _fits_in_memory(args, dtype)
    (x, t), (xt, tt) = load_mnist(data_home=args.data_home, dtype=dtype)
    weight_init = args.weight_init
    try:
        weight_init = float(weight_init)
    except ValueError:
        pass
    net = nncore.Network.init([784, *args.hidden, 10], activation=args.activation,
                              output="softmax", weight_init=weight_init, dtype=dtype,
                              rng=args.seed)
    start = time.perf_counter()
    history = net.fit(x, t, epochs=args.epochs, batch_size=args.batch_size,
                      optimizer=args.optimizer, lr=args.lr, rng=args.seed,
                      validation_data=(xt, tt), progress=not args.quiet,
                      weight_decay=args.weight_decay)
    seconds = time.perf_counter() - start
    accuracy = net.accuracy(xt, tt)
    kept = args.out and not history.interrupted
    if args.out and history.interrupted:
        print(f"training interrupted: {args.out} was not written (an earlier file there is kept)",
              file=sys.stderr)
    if kept:
        net.save(args.out)
    print(f"network:       {net}")
    print(f"epochs:        {history.epochs}{' (interrupted)' if history.interrupted else ''}")
    print(f"training time: {seconds:.1f} s")
    print(f"test accuracy: {accuracy:.4f}")
    if kept:
        print(f"saved to:      {args.out}")
    elif args.out:
        print(f"saved to:      nowhere: training was interrupted, {args.out} was not written")
    else:
        print("saved to:      nowhere: the model is not kept (give --out PATH to save it)")
    return 130 if history.interrupted else 0


def _fits_in_memory(args, dtype):
    """UsageError unless the network, its training state, a batch and MNIST fit in memory."""
    from . import _memory

    sizes = [784, *args.hidden, 10]
    batch = min(args.batch_size, MNIST_TRAIN)
    need = (_memory.network_bytes(sizes, dtype.itemsize)
            + _memory.training_bytes(sizes, dtype.itemsize, batch, args.optimizer)
            + (MNIST_TRAIN + MNIST_TEST) * 784 * (dtype.itemsize + 1))
    try:
        _memory.check(need, f"--hidden {' '.join(map(str, args.hidden))} with --batch-size "
                      f"{args.batch_size} and MNIST in {dtype.name}")
    except _memory.TooLargeError as exc:
        raise UsageError(str(exc)) from None


def _show(args):
    from nncore.datasets import load_mnist
    from nncore.pictures import save_digits

    net, _ = _load_model(args)
    x, t = load_mnist(split=args.split, data_home=args.data_home, dtype=net.dtype)
    pred = net.classify(x)
    if args.index is not None:
        if not 0 <= args.index < len(x):
            raise UsageError(f"--index must lie in [0, {len(x)}); got {args.index}")
        idx = np.array([args.index])
    elif args.misclassified:
        idx = np.flatnonzero(pred != t)[:args.count]
    else:
        idx = np.arange(min(args.count, len(x)))
    if idx.size == 0:
        print("no digits to show (no misclassified ones)")
        return 0
    size = save_digits(args.out, x[idx], labels=t[idx], predicted=pred[idx], ncols=args.columns)
    print(f"wrote {args.out}: {idx.size} digit(s), {size[0]}x{size[1]} pixels "
          f"(captions: true->predicted, red when wrong)")
    return 0


def _info(args):
    from . import show_config

    show_config()
    return 0


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


class _HelpWithDefaults(argparse.HelpFormatter):
    """Appends "(default: ...)" to an option's help unless the help already names it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False \
                or action.default == argparse.SUPPRESS or not action.option_strings:
            return text
        default = action.default
        if isinstance(default, (list, tuple)):
            default = " ".join(map(str, default))
        return f"{text} (default: {default})".lstrip()


def _version():
    from ._version import __version__

    return f"{PROG} {__version__} (distribution nncore-dlfs)"


def build_parser():
    parser = argparse.ArgumentParser(prog=PROG, description="nncore: a small, fast "
                                     "neural-network core. MNIST from the command line.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=functools.partial(
        argparse.ArgumentParser, formatter_class=_HelpWithDefaults))

    def model_args(p):
        p.add_argument("--model", metavar="PATH", help="a .npz written by nncore, or an "
                       ".onnx MLP (default: the shipped model)")
        p.add_argument("--legacy-pickle", metavar="PATH", help="the book's sample_weight.pkl "
                       "(read safely; sigmoid hidden layers, softmax output)")
        p.add_argument("--data-home", metavar="DIR", help="folder of the MNIST .gz files "
                       "(default: NNCORE_DATA or the per-user data folder)")
        p.add_argument("--split", choices=["test", "train"], default="test",
                       help="which MNIST split (default: test, which ships with nncore)")

    p = sub.add_parser("evaluate", help="accuracy, per-digit table and throughput of a model",
                       description="Evaluate a model on MNIST. With no arguments: the shipped "
                       "model on the shipped test split, offline.")
    model_args(p)
    p.add_argument("--batch-size", type=_positive, default=100, metavar="N",
                   help="images per predict call")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("train", help="train an MLP on MNIST",
                       description="Train a multi-layer perceptron (softmax output) on the "
                       "MNIST training split and report its test accuracy.")
    p.add_argument("--hidden", type=_positive, nargs="+", default=[100], metavar="N",
                   help="hidden layer widths (default: 100)")
    p.add_argument("--activation", choices=["relu", "sigmoid", "tanh"], default="relu",
                   help="activation of the hidden layers")
    p.add_argument("--epochs", type=_positive, default=10, help="passes over the training split")
    p.add_argument("--batch-size", type=_positive, default=100, metavar="N",
                   help="images per gradient step")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adagrad", "rmsprop", "adam"],
                   default="adam", help="how the weights are updated")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: the optimizer's)")
    p.add_argument("--weight-decay", type=float, default=0.0, metavar="L2",
                   help="L2 penalty on the weights (default 0)")
    p.add_argument("--weight-init", default="he", help="'he', 'xavier' or a standard deviation")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="precision of the weights and the images")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights and the batch order")
    p.add_argument("--out", metavar="PATH",
                   help="write the trained model here (.npz; without it the model is not kept)")
    p.add_argument("--data-home", metavar="DIR", help="folder of the MNIST .gz files")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_train)

    p = sub.add_parser("show", help="a PNG of digits with true and predicted labels",
                       description="Draw MNIST digits captioned true->predicted (red when "
                       "wrong). Needs Pillow.")
    model_args(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--index", type=int, help="one digit by its index")
    which.add_argument("--misclassified", action="store_true",
                       help="the first --count digits the model gets wrong")
    p.add_argument("--count", type=_positive, default=20, help="digits in the grid (default 20)")
    p.add_argument("--columns", type=_positive, default=10, help="digits per row")
    p.add_argument("--out", default="digits.png", metavar="PATH", help="the PNG to write")
    p.set_defaults(func=_show)

    p = sub.add_parser("info", help="versions, kernel backend and build flags")
    p.set_defaults(func=_info)
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        with _startup.interruptible():
            return args.func(args)
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
    except UsageError as exc:
        parser.exit(2, f"{PROG} {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        _startup.ignore_interrupts()
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return _startup.INTERRUPTED
    except MemoryError as exc:
        print(f"{PROG} {args.command}: error: not enough memory ({exc or 'MemoryError'}); "
              "try smaller --hidden widths or --batch-size", file=sys.stderr)
        return 1
    except (OSError, ValueError, TypeError, ImportError, pickle.UnpicklingError) as exc:
        # one line, even for messages that list details line by line (download errors)
        message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
