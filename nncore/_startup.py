"""How the ``nncore`` command meets Ctrl-C and a refused environment variable.

The package imports this module first.  When the process is the ``nncore``
command (the console script, or ``python -m nncore``), it installs, before NumPy
and the kernels load:

- a Ctrl-C handler that prints ``nncore: interrupted`` and ends the process with
  status 130 (128 + SIGINT, what shells report), so an interruption while the
  command starts or finishes never shows a traceback.  While a subcommand runs,
  :func:`interruptible` restores Python's own handler, so Ctrl-C raises
  KeyboardInterrupt and files being written are cleaned up; the command line
  turns it into the same one line.
- an exception hook that prints an ImportError raised while nncore loads (such
  as a refused ``NNCORE_*`` variable) as one line.

Imported as a library, nncore changes no signal handler and no hook.
"""
import contextlib
import os
import signal
import sys

COMMAND = "nncore"
INTERRUPTED = 130
_state = {"active": False}


def _module_of(orig_argv):
    """The module that ``python [options] -m MODULE`` runs, else None."""
    args = iter(orig_argv[1:])
    for arg in args:
        if arg in ("-W", "-X"):
            next(args, None)
        elif arg.startswith(("-W", "-X", "--")):
            continue
        elif arg.startswith("-") and len(arg) > 1:
            at = arg.find("m")
            if at > 0:
                return arg[at + 1:] or next(args, None)
            if arg.find("c") > 0:
                return None
        else:
            return None
    return None


def started_as_command():
    """True in the ``nncore`` command's process (console script or ``python -m nncore``)."""
    argv0 = sys.argv[0] if sys.argv else ""
    name = os.path.basename(argv0)
    for suffix in ("-script.pyw", "-script.py", ".exe"):
        if name.endswith(suffix):
            name = name[:-len(suffix)]
    main = sys.modules.get("__main__")
    if name == COMMAND and main is not None and getattr(main, "__spec__", None) is None:
        return True
    if argv0 == "-m":  # python -m nncore imports the package before nncore/__main__.py
        return _module_of(getattr(sys, "orig_argv", [])) == COMMAND
    return False


def _leave(signum, frame):
    """Ctrl-C outside a subcommand: one line, status 130, nothing else runs."""
    try:
        sys.stdout.flush()
    except Exception:  # a pipe closed or a write under way: the line below still goes out
        pass
    os.write(2, f"{COMMAND}: interrupted\n".encode())
    os._exit(INTERRUPTED)


def _one_line_import_error(exc_type, exc, tb, _previous=sys.excepthook):
    if issubclass(exc_type, ImportError):
        message = " ".join(str(exc).split())
        print(f"{COMMAND}: error: {message}", file=sys.stderr)
    else:
        _previous(exc_type, exc, tb)


def install():
    """Set up the command's Ctrl-C handler and exception hook (once, main thread only)."""
    if _state["active"]:
        return
    try:
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return  # Ctrl-C is ignored (a background job) or handled by the embedding program
        signal.signal(signal.SIGINT, _leave)
    except ValueError:  # not the main thread
        return
    sys.excepthook = _one_line_import_error
    _state["active"] = True


@contextlib.contextmanager
def interruptible():
    """While a subcommand runs, Ctrl-C raises KeyboardInterrupt (the command only)."""
    if not _state["active"]:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, _leave)


def ignore_interrupts():
    """After an interruption was reported: a further Ctrl-C adds nothing (the command only)."""
    if _state["active"]:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if started_as_command():
    install()
