"""Smoke test of an installed nncore on one CPU (real or emulated by qemu-user).

    python cpu_smoke.py LEVEL            the compiled kernels run at LEVEL (baseline,
                                         avx2 or avx512) and compute what the NumPy
                                         kernels compute: predict, gradient, a short fit
    python cpu_smoke.py --refuses LEVEL  NNCORE_SIMD=LEVEL, a level this CPU lacks, makes
                                         `import nncore` an ImportError, not a crash

Exits 0 when every check holds, 1 with a message when one fails (a kernel this CPU
cannot run kills the process with SIGILL instead).  Kept small: under qemu Python
runs 10-50 times slower.  Run it from outside the source tree, so that the installed
package is imported.  Everything runs in this one process (qemu-user does not follow
a child process into emulation).
"""
import os
import sys


def fail(message):
    print(f"cpu_smoke: FAIL: {message}")
    sys.exit(1)


def refuses(level):
    os.environ["NNCORE_SIMD"] = level
    try:
        import nncore  # noqa: F401
    except ImportError as exc:
        if f"NNCORE_SIMD={level}" not in str(exc) or "baseline" not in str(exc):
            fail(f"NNCORE_SIMD={level}: an ImportError that does not say why: {exc}")
        print(f"cpu_smoke: NNCORE_SIMD={level} refused: {exc}")
        return
    fail(f"NNCORE_SIMD={level} imported, but this CPU should not support it")


def numpy_sees():
    """The x86 features NumPy's own run-time dispatch found (empty elsewhere)."""
    import numpy as np
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as features
    keys = ("SSE2", "AVX", "AVX2", "FMA3", "AVX512F", "AVX512_SKX", "ASIMD")
    return np.__version__, [k for k in keys if features.get(k)]


def check_level(expected):
    import numpy as np
    import nncore
    from nncore import _kernels, _kernels_py

    if nncore.BACKEND != "cython":
        fail(f"BACKEND is {nncore.BACKEND!r}: {_kernels.FALLBACK_REASON}")
    kc = _kernels.impl
    version, features = numpy_sees()
    print(f"cpu_smoke: numpy {version} sees {features}")
    print(f"cpu_smoke: nncore runs {kc.simd_describe()}, supported {kc.simd_supported()}")
    if kc.simd_level() != expected:
        fail(f"level {kc.simd_level()!r}, expected {expected!r}")
    # NumPy's own dispatch is a second opinion on an x86 CPU and OS (it checks XCR0 too)
    if "SSE2" in features and ("avx2" in kc.simd_supported()) != (
            "AVX2" in features and "FMA3" in features):
        fail(f"nncore supports {kc.simd_supported()} but NumPy sees {features}")

    def run(impl, dtype):
        _kernels.impl = impl
        rng = np.random.default_rng(0)
        net = nncore.Network.init([13, 19, 9, 4], activation="sigmoid", dtype=dtype,
                                  weight_init=0.5, rng=1)
        x = rng.standard_normal((37, 13)).astype(dtype)
        t = rng.integers(0, 4, 37)
        out = {"predict": net.predict(x), "predict one row": net.predict(x[5])}
        out.update({"gradient " + k: g for k, g in net.gradient(x, t).items()})
        net.fit(x, t, epochs=2, batch_size=8, optimizer="adam", lr=0.01, rng=2,
                progress=False)
        out.update({"fit " + k: p for k, p in net.params.items()})
        return out

    compiled = _kernels.impl
    for dtype, (rtol, atol) in ((np.float32, (1e-4, 1e-6)), (np.float64, (1e-10, 1e-12))):
        got, expected_out = run(compiled, dtype), run(_kernels_py, dtype)
        for key, want in expected_out.items():
            if got[key].dtype != want.dtype:
                fail(f"{np.dtype(dtype).name} {key}: dtype {got[key].dtype} != {want.dtype}")
            if not np.allclose(got[key], want, rtol=rtol, atol=atol):
                worst = np.max(np.abs(got[key] - want))
                fail(f"{np.dtype(dtype).name} {key}: differs from the NumPy kernels by {worst:.3g}")
        print(f"cpu_smoke: {np.dtype(dtype).name}: predict, gradient and fit equal "
              f"the NumPy kernels (rtol {rtol:g})")
    _kernels.impl = compiled


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--refuses":
        refuses(args[1])
    elif len(args) == 1 and not args[0].startswith("-"):
        check_level(args[0])
    else:
        sys.exit(__doc__)
    print("cpu_smoke: ok")
