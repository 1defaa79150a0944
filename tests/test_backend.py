"""Backend selection: the chooser, the extension's presence, show_config."""
import io
import os
import shutil
import subprocess
import sys

import pytest

import nncore
from nncore import _kernels, _kernels_py

from .conftest import KERNEL_MODULES


def _run(code, **env):
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                          cwd=os.path.dirname(__file__) + "/..")


def _pure_copy(tmp_path):
    """A copy of the installed package's Python files, without the compiled module."""
    src = os.path.dirname(nncore.__file__)
    pkg = tmp_path / "nncore"
    shutil.copytree(src, pkg, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    return pkg


def test_requested_backend_is_running():
    """Fails when NNCORE_IMPLEMENTATION=cython and the extension is not what runs."""
    requested = os.environ.get("NNCORE_IMPLEMENTATION", "auto").strip().lower() or "auto"
    if requested == "cython":
        assert nncore.BACKEND == "cython"
        assert _kernels.impl is not _kernels_py
        assert _kernels.impl.__name__ == "nncore._kernels_c"
    elif requested == "python":
        assert nncore.BACKEND == "python"
        assert "nncore._kernels_c" not in sys.modules, "the python backend imported the extension"
    else:
        assert nncore.BACKEND == ("cython" if "cython" in KERNEL_MODULES else "python")


def test_activation_codes_agree():
    for module in KERNEL_MODULES.values():
        assert module.ACTIVATION_CODES == _kernels_py.ACTIVATION_CODES
        assert module.LOSS_CODES == _kernels_py.LOSS_CODES
        assert module.UPDATE_CODES == _kernels_py.UPDATE_CODES


def test_kernel_modules_have_the_same_names():
    public = {n for n in dir(_kernels_py) if not n.startswith("_") and n != "np"}
    for name, module in KERNEL_MODULES.items():
        assert public <= set(dir(module)), f"{name} lacks {public - set(dir(module))}"


def test_python_backend_never_imports_the_extension():
    res = _run("import sys, nncore; print(nncore.BACKEND, 'nncore._kernels_c' in sys.modules)",
               NNCORE_IMPLEMENTATION="python")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["python", "False"]


def test_unknown_choice_fails_loudly():
    res = _run("import nncore", NNCORE_IMPLEMENTATION="fortran")
    assert res.returncode != 0
    assert "NNCORE_IMPLEMENTATION must be one of auto, cython, python; got 'fortran'" in res.stderr


def test_cython_without_extension_says_how_to_build(tmp_path):
    _pure_copy(tmp_path)
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import nncore; print(nncore.BACKEND)"
    res = _run(code, NNCORE_IMPLEMENTATION="cython")
    assert res.returncode != 0
    assert "NNCORE_IMPLEMENTATION=cython but the compiled extension" in res.stderr
    assert "pip install ." in res.stderr
    res = _run(code, NNCORE_IMPLEMENTATION="auto")
    assert res.returncode == 0 and res.stdout.strip() == "python"
    assert "Warning" not in res.stderr  # a pure install falls back silently


def test_broken_extension_warns_and_falls_back(tmp_path):
    pkg = _pure_copy(tmp_path)
    (pkg / "_kernels_c.py").write_text("raise ImportError('simulated broken build')\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import nncore; print(nncore.BACKEND)"
    res = _run(code, NNCORE_IMPLEMENTATION="auto")
    assert res.returncode == 0 and res.stdout.strip() == "python"
    assert "simulated broken build" in res.stderr and "RuntimeWarning" in res.stderr


def test_show_config_reports_backend():
    buf = io.StringIO()
    nncore.show_config(file=buf)
    text = buf.getvalue()
    assert f"backend:         {nncore.BACKEND}" in text
    assert "numpy:" in text and nncore.__version__ in text
    if nncore.BACKEND == "cython":
        assert "build cflags:" in text and "build debug:" in text


@pytest.mark.skipif("cython" not in KERNEL_MODULES, reason="compiled extension not built")
def test_build_info_of_extension():
    info = KERNEL_MODULES["cython"].BUILD_INFO
    assert set(info) >= {"debug", "cflags", "compiler"}
    assert isinstance(info["debug"], bool)


def test_source_checkout_without_build_is_reported(tmp_path):
    """Importing an unbuilt source tree (python -c from a checkout) must not be silent."""
    pkg = _pure_copy(tmp_path)
    (tmp_path / "setup.py").write_text("")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import nncore; print(nncore.BACKEND)"
    res = _run(code, NNCORE_IMPLEMENTATION="auto")
    assert res.returncode == 0 and res.stdout.strip() == "python"
    assert "imported from the source checkout" in res.stderr and str(pkg.parent) in res.stderr


def test_command_line_info():
    script = os.path.join(os.path.dirname(sys.executable), "nncore")
    res = subprocess.run([script, "info"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert f"backend:         {nncore.BACKEND}" in res.stdout
    res = subprocess.run([sys.executable, "-m", "nncore"], capture_output=True, text=True,
                         cwd=os.path.dirname(nncore.__file__) + "/..")
    assert res.returncode == 2 and "usage: nncore" in res.stderr
