"""A refused ``NNCORE_*`` environment variable: one line from the command, a clear
ImportError / ValueError from Python, each naming the variable and what it accepts."""
import os
import subprocess
import sys

import pytest

from nncore import _environment
from nncore._environment import EnvironmentVariableError

SCRIPT = os.path.join(os.path.dirname(sys.executable), "nncore")

# read at import: the command fails before it starts, `import nncore` raises ImportError
AT_IMPORT = [
    ("NNCORE_IMPLEMENTATION", "bogus", "auto, cython, python"),
    ("NNCORE_IMPLEMENTATION", "Cython3", "auto, cython, python"),
    ("NNCORE_SIMD", "avx9000", "avx2"),
    ("NNCORE_NUM_THREADS", "0", "positive integer"),
    ("NNCORE_NUM_THREADS", "-3", "positive integer"),
    ("NNCORE_NUM_THREADS", "2.5", "positive integer"),
    ("NNCORE_NUM_THREADS", "many", "positive integer"),
]


def _env(**extra):
    return {**os.environ, "NNCORE_DATA": "", "NNCORE_MNIST_MIRRORS": "http://127.0.0.1:9/",
            **extra}


def _only_where_read(name):
    if name == "NNCORE_SIMD":  # the NumPy kernels have no instruction-set levels
        return {"NNCORE_IMPLEMENTATION": "cython"}
    return {}


def _needs_extension(name):
    from .conftest import KERNEL_MODULES

    if name == "NNCORE_SIMD" and "cython" not in KERNEL_MODULES:
        pytest.skip("compiled extension not built")


@pytest.mark.parametrize("name, value, accepted", AT_IMPORT)
def test_the_command_prints_one_line(name, value, accepted, tmp_path):
    _needs_extension(name)
    for command in ([SCRIPT, "info"], [SCRIPT, "evaluate"], [sys.executable, "-m", "nncore",
                                                             "info"]):
        res = subprocess.run(command, capture_output=True, text=True, cwd=str(tmp_path),
                             timeout=120, env=_env(**_only_where_read(name), **{name: value}))
        assert res.returncode == 1, res
        assert "Traceback" not in res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nncore: error: ")
        assert name in lines[0] and accepted in lines[0] and repr(value.lower()) in lines[0].lower()


@pytest.mark.parametrize("name, value, accepted", AT_IMPORT)
def test_import_raises_an_import_error_naming_the_variable(name, value, accepted, tmp_path):
    _needs_extension(name)
    code = ("try:\n    import nncore\nexcept ImportError as exc:\n"
            "    print(type(exc).__name__, isinstance(exc, ValueError), exc)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=120,
                         env=_env(**_only_where_read(name), **{name: value}))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert res.stdout.startswith("EnvironmentVariableError True "), res.stdout
    assert name in res.stdout and accepted in res.stdout


def test_data_home_must_be_a_folder(tmp_path, monkeypatch):
    from nncore.datasets import get_data_home, load_mnist

    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("NNCORE_DATA", str(a_file))
    for call in (get_data_home, lambda: load_mnist(split="test")):
        with pytest.raises(ValueError, match="NNCORE_DATA must be a folder"):
            call()
    monkeypatch.setenv("NNCORE_DATA", str(tmp_path / "not-yet"))  # created on download
    assert get_data_home() == str(tmp_path / "not-yet")
    assert get_data_home(tmp_path / "given") == str(tmp_path / "given")  # the argument wins


def test_the_command_names_a_bad_data_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    res = subprocess.run([SCRIPT, "evaluate"], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=120, env=_env(NNCORE_DATA=str(tmp_path / "file")))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "NNCORE_DATA must be a folder" in res.stderr


@pytest.mark.parametrize("value", ["nowhere", "127.0.0.1:8000/mnist", "gopher://x/"])
def test_mirrors_must_be_urls(value, monkeypatch):
    from nncore.datasets._files import mirrors_from

    monkeypatch.setenv("NNCORE_MNIST_MIRRORS", value)
    with pytest.raises(EnvironmentVariableError, match="NNCORE_MNIST_MIRRORS must be base URLs"):
        mirrors_from()
    assert mirrors_from(["http://example.org/a"]) == ["http://example.org/a/"]


def test_good_values_and_defaults(monkeypatch):
    for name in ("NNCORE_IMPLEMENTATION", "NNCORE_SIMD", "NNCORE_NUM_THREADS", "NNCORE_DATA",
                 "NNCORE_MNIST_MIRRORS"):
        monkeypatch.delenv(name, raising=False)
    assert _environment.implementation() == "auto"
    assert _environment.simd() == "auto"
    assert _environment.num_threads() is None
    assert _environment.data_home() is None and _environment.mirrors() is None
    monkeypatch.setenv("NNCORE_IMPLEMENTATION", " Python ")
    monkeypatch.setenv("NNCORE_NUM_THREADS", "3")
    monkeypatch.setenv("NNCORE_MNIST_MIRRORS", "https://a.example/x/ file:///tmp/m")
    assert _environment.implementation() == "python"
    assert _environment.num_threads() == 3
    assert _environment.mirrors() == ["https://a.example/x/", "file:///tmp/m"]
