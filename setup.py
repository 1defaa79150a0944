"""Build script: declares the compiled kernels and how they are compiled.

Environment switches:

``NNCORE_NO_EXTENSIONS=1``
    build a pure-Python package (the NumPy kernels are used at run time).
``NNCORE_CYTHON_DEBUG=1``
    compile with bounds and wraparound checks on, for debugging the kernels.
``NNCORE_NO_OPENMP=1``
    build without OpenMP (large batches then run on one thread only).
``NNCORE_NATIVE=1``
    compile everything for the building machine's CPU (``-march=native``), for
    people building for themselves.
``NNCORE_AVX512_ON_AVX2=1``
    a test build, never for use: the AVX-512 level's kernels with its tile shapes
    and vector widths but AVX2 + FMA instructions (each 512-bit operation as two
    256-bit ones, rounded alike), offered on CPUs with AVX2, so that machines
    without AVX-512 run that level's code paths (``tools/asan_check.sh`` builds
    it so).

By default the extension is built for the architecture's baseline, so a wheel
runs on any CPU of its architecture; the hot kernels are compiled once more per
instruction-set level (x86-64: AVX2 + FMA and AVX-512, from
``nncore/_kernels_avx2.c`` and ``_kernels_avx512.c``) and the best level the CPU
supports is chosen at import (``NNCORE_SIMD`` forces a lower one).
Floating-point contraction is off, so multiply-adds are fused exactly where the
kernels ask for FMA, the same way in every kernel of a level (``-fno-math-errno``
only lets sqrt vectorise: nothing in nncore reads errno).
"""
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _compile_probe(source, **options):
    """Compile ``source`` with the C compiler the build uses: (compiler, error or None)."""
    import tempfile

    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.errors import CCompilerError, DistutilsError
    from setuptools._distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        try:
            compiler.compile([src], output_dir=tmp, **options)
        except (CCompilerError, DistutilsError, OSError) as exc:
            return compiler, str(exc).strip() or type(exc).__name__
    return compiler, None


def _compiler_accepts(flag):
    """True when the C compiler builds a trivial file with ``flag``."""
    return _compile_probe("int main(void) { return 0; }\n", extra_postargs=[flag])[1] is None


def _target_flags():
    if sys.platform == "win32" or not _flag("NNCORE_NATIVE"):
        return []
    for flag in ("-march=native", "-mcpu=native"):
        if _compiler_accepts(flag):
            return [flag]
    return []


def _openmp_flags():
    """(compile, link) flags for OpenMP, or empty lists when unavailable or disabled."""
    if _flag("NNCORE_NO_OPENMP"):
        return [], []
    if sys.platform == "win32":
        return ["/openmp"], []
    if _compiler_accepts("-fopenmp"):
        return ["-fopenmp"], ["-fopenmp"]
    return [], []


def _require_compiler():
    """Stop with a hint when no C compiler (or no Python.h) can build an extension."""
    import sysconfig

    compiler, error = _compile_probe("#include <Python.h>\nint main(void) { return 0; }\n",
                                     include_dirs=[sysconfig.get_paths()["include"]])
    if error is None:
        return
    name = (getattr(compiler, "compiler", None) or [type(compiler).__name__])[0]
    sys.exit(
        f"\nnncore: cannot compile its kernels: the C compiler ({name}) failed on a file "
        f"that includes Python.h:\n    {error}\n"
        "Install a C compiler and Python's headers (Debian/Ubuntu: apt install gcc "
        "python3-dev; Fedora: dnf install gcc python3-devel; macOS: xcode-select --install; "
        "Windows: Microsoft C++ Build Tools), or install the NumPy kernels only, "
        "without compiling anything:\n    NNCORE_NO_EXTENSIONS=1 pip install .\n")


def _extensions():
    if _flag("NNCORE_NO_EXTENSIONS"):
        return []
    from Cython.Build import cythonize

    debug = _flag("NNCORE_CYTHON_DEBUG")
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }
    if sys.platform == "win32":
        compile_args = ["/O2", "/fp:precise"]
    else:
        compile_args = (["-O3", "-ffp-contract=off", "-fno-math-errno"] + _target_flags()
                        + (["-UNDEBUG", "-O1", "-g"] if debug else []))
    omp_compile, omp_link = _openmp_flags()
    compile_args += omp_compile
    macros = [("NNCORE_CYTHON_DEBUG", "1" if debug else "0")]
    if _flag("NNCORE_AVX512_ON_AVX2"):
        compile_args = compile_args + ["-DNNCORE_AVX512_ON_AVX2=1"]  # shown by show_config
    macros.append(("NNCORE_CFLAGS", '"' + " ".join(compile_args) + '"'))
    # the kernels once per instruction-set level, the Cython module, the CPU check;
    # the slowest to compile first, as they are compiled side by side (_BuildExt)
    sources = ["nncore/_kernels_avx512.c", "nncore/_kernels_c.pyx"] + [
        f"nncore/_kernels_{name}.c" for name in ("avx2", "baseline", "cpu")
    ]
    extensions = [
        Extension(
            "nncore._kernels_c",
            sources,
            extra_compile_args=compile_args,
            define_macros=macros,
            include_dirs=["nncore"],
            extra_link_args=omp_link,
        )
    ]
    # Generated C files depend on the directives, so a debug build must not reuse a
    # release build's .c file (and vice versa): cythonize with force when they differ.
    return cythonize(
        extensions,
        compiler_directives=directives,
        force=True,
        quiet=True,
    )


class _BuildExt(build_ext):
    """build_ext that first makes sure a C compiler can build an extension (an sdist
    needs none, so the check is here and not where the extensions are declared), and
    compiles an extension's C files side by side, one per CPU."""

    def run(self):
        if self.extensions:
            _require_compiler()
        super().run()

    def build_extension(self, ext):
        from concurrent.futures import ThreadPoolExecutor

        compile_files = self.compiler.compile
        jobs = min(len(ext.sources), os.cpu_count() or 1)

        def compile_side_by_side(sources, **options):
            # each file is its own compiler process; the objects keep the sources' order
            with ThreadPoolExecutor(jobs) as pool:
                done = pool.map(lambda source: compile_files([source], **options), sources)
                return [obj for objects in done for obj in objects]

        self.compiler.compile = compile_side_by_side
        try:
            super().build_extension(ext)
        finally:
            del self.compiler.compile


setup(ext_modules=_extensions(), cmdclass={"build_ext": _BuildExt})
