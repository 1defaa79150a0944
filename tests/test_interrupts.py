"""Ctrl-C at any moment of the ``nncore`` command: one line, exit status 130, no traceback.

The command runs in a child process that pauses when it reaches a chosen function
(a profile hook in a ``sitecustomize`` module put on its path): the test then sends
SIGINT, so each moment is hit exactly, not by timing.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = os.path.join(os.path.dirname(sys.executable), "nncore")

PAUSE = """
import os, sys, time
_file, _, _name = os.environ["NNCORE_TEST_PAUSE_AT"].partition(":")
_mark = os.environ["NNCORE_TEST_PAUSE_MARK"]

def _pause(frame, event, arg):
    code = frame.f_code
    if event == "call" and code.co_name == _name and \\
            code.co_filename.replace(os.sep, "/").endswith(_file):
        sys.setprofile(None)
        open(_mark, "w").close()
        while os.path.exists(_mark):   # the test removes it after sending SIGINT
            time.sleep(0.01)

sys.setprofile(_pause)
"""

# where the command is when Ctrl-C arrives: (file, function)
START_UP = {
    "importing the package": ("nncore/_config.py", "<module>"),
    "importing the kernels": ("nncore/_kernels.py", "<module>"),
    "importing the thread settings": ("nncore/_threads.py", "<module>"),
    "building the parser": ("nncore/cli.py", "build_parser"),
    "parsing the arguments": ("/argparse.py", "parse_known_args"),
}
MID_COMMAND = {
    "evaluate: loading MNIST": ("nncore/datasets/mnist.py", "load_mnist"),
    "evaluate: classifying": ("nncore/network.py", "classify"),
    "info: printing": ("nncore/_config.py", "show_config"),
}
COMMANDS = {"evaluate": ["evaluate", "--batch-size", "500"], "info": ["info"]}


def _interrupt_at(where, args, tmp_path, module=False):
    (tmp_path / "hook").mkdir(exist_ok=True)
    (tmp_path / "hook" / "sitecustomize.py").write_text(PAUSE)
    mark = tmp_path / "paused"
    env = {**os.environ, "NNCORE_TEST_PAUSE_AT": ":".join(where),
           "NNCORE_TEST_PAUSE_MARK": str(mark),
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "hook"),
                                          os.environ.get("PYTHONPATH", "")]),
           "NNCORE_DATA": str(tmp_path / "no-data"),
           "NNCORE_MNIST_MIRRORS": "http://127.0.0.1:9/"}
    command = [sys.executable, "-m", "nncore"] if module else [SCRIPT]
    child = subprocess.Popen(command + args, cwd=str(tmp_path), env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not mark.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mark.exists(), f"the command never reached {where}: {child.communicate()}"
        child.send_signal(signal.SIGINT)
        time.sleep(0.05)
        mark.unlink()
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    return child.returncode, out, err


def _assert_one_line(code, err):
    assert "Traceback" not in err, err
    assert code == 130, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "interrupted" in lines[0], err


@pytest.mark.parametrize("moment", sorted(START_UP))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_ctrl_c_while_the_command_starts(moment, command, tmp_path):
    code, _, err = _interrupt_at(START_UP[moment], COMMANDS[command], tmp_path)
    _assert_one_line(code, err)


@pytest.mark.parametrize("moment", sorted(MID_COMMAND))
def test_ctrl_c_during_a_command(moment, tmp_path):
    command = "info" if moment.startswith("info") else "evaluate"
    code, _, err = _interrupt_at(MID_COMMAND[moment], COMMANDS[command], tmp_path)
    _assert_one_line(code, err)
    assert f"nncore {command}: interrupted" in err


@pytest.mark.skipif(sys.version_info < (3, 10), reason="Python 3.9 does not tell which "
                    "module -m runs while the package imports")
@pytest.mark.parametrize("moment", ["importing the package", "building the parser"])
def test_ctrl_c_under_python_dash_m(moment, tmp_path):
    code, _, err = _interrupt_at(START_UP[moment], ["info"], tmp_path, module=True)
    _assert_one_line(code, err)


def test_the_library_keeps_pythons_ctrl_c():
    """Imported by a program (here pytest), nncore installs no handler of its own."""
    import signal as sig

    import nncore  # noqa: F401

    assert sig.getsignal(sig.SIGINT) in (sig.default_int_handler, sig.SIG_IGN) or \
        getattr(sig.getsignal(sig.SIGINT), "__module__", "") != "nncore._startup"
    from nncore import _startup

    assert not _startup.started_as_command()


@pytest.mark.parametrize("argv, module", [
    (["python", "-m", "nncore", "info"], "nncore"),
    (["python", "-X", "dev", "-mnncore"], "nncore"),
    (["python", "-Im", "nncore"], "nncore"),
    (["python", "-W", "error", "-m", "other"], "other"),
    (["python", "-c", "import nncore"], None),
    (["python", "script.py", "-m", "nncore"], None),
])
def test_which_module_python_dash_m_runs(argv, module):
    from nncore import _startup

    assert _startup._module_of(argv) == module
