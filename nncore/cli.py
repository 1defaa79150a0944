"""The ``nncore`` command line (console script and ``python -m nncore``)."""
import argparse
import sys


def _info(args):
    from . import show_config

    show_config()
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="nncore",
        description="nncore: a small, fast neural-network core.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="print versions, the kernel backend and build flags")
    info.set_defaults(func=_info)
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return args.func(args)
