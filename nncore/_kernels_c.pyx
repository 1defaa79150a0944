"""Compiled kernels of nncore: the same contract as ``nncore/_kernels_py.py``.

Every function here trusts its caller (``nncore/_validation.py`` and the public
modules): arrays are C-contiguous, of one float dtype (float32 or float64), of
matching shapes, and ``out`` never partially overlaps an input (it may *be* the
input for the elementwise kernels and softmax).  Nothing here raises on data:
the loops run without the GIL and without bounds checks (unless built with
``NNCORE_CYTHON_DEBUG=1``).

float32 is computed in float32 (own vectorised exp, ``tanhf``); float64 in float64.
"""
from cpython.buffer cimport PyBUF_STRIDES, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.mem cimport PyMem_RawFree as free
from cpython.mem cimport PyMem_RawMalloc as malloc
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport exp, fabs, log, log1p, tanh, tanhf
from libc.string cimport memcpy, memset

import numpy as _np

# Workspaces come from PyMem_RawMalloc: usable without the GIL, and visible to
# tracemalloc (tests bound what predict allocates).

cdef extern from *:
    """
    #ifndef NNCORE_CYTHON_DEBUG
    #define NNCORE_CYTHON_DEBUG 0
    #endif
    #ifndef NNCORE_CFLAGS
    #define NNCORE_CFLAGS ""
    #endif
    #if defined(__clang__)
    #define NNCORE_COMPILER "clang " __clang_version__
    #elif defined(__GNUC__)
    #define NNCORE_COMPILER "gcc " __VERSION__
    #elif defined(_MSC_VER)
    #define NNCORE_COMPILER "msvc"
    #else
    #define NNCORE_COMPILER "unknown"
    #endif
    static const int nncore_debug_build = NNCORE_CYTHON_DEBUG;
    static const char *nncore_cflags = NNCORE_CFLAGS;
    static const char *nncore_compiler = NNCORE_COMPILER;
    """
    const int nncore_debug_build
    const char *nncore_cflags
    const char *nncore_compiler

cdef extern from "_kernels_simd.h" nogil:
    int NNCORE_BASELINE
    int NNCORE_AVX2
    int NNCORE_AVX512
    int NNCORE_N_LEVELS
    # the fields Cython uses; the C struct's kernels are listed in _kernels_fields.h
    ctypedef struct nncore_kernels:
        const char *name
        int level
        int vector_bytes
        int tile_rows
        int tile_vectors
        int packed_min_rows_d
        int packed_min_rows_f
        Py_ssize_t (*packed_size_d)(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*pack_d)(const double *W, double *Wp, Py_ssize_t n_in, Py_ssize_t n_out,
                       Py_ssize_t k0, Py_ssize_t k1) noexcept nogil
        void (*tile_d)(const double *x, Py_ssize_t ldx, const double *Wp, const double *b,
                       double *out, Py_ssize_t n_in, Py_ssize_t n_out, int rows) noexcept nogil
        void (*pack_narrow_d)(const double *W, double *Wt, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*tile_w_d)(const double *x, Py_ssize_t ldx, const double *W, const double *Wt, const double *b,
                         double *out, Py_ssize_t n_in, Py_ssize_t n_out, int rows) noexcept nogil
        Py_ssize_t (*packed_pad_size_d)(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*pack_pad_d)(const double *W, double *Wp, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*tile_t_d)(const double *x, Py_ssize_t ldx, const double *Wp, double *out, Py_ssize_t n_in,
                         Py_ssize_t n_out, Py_ssize_t rows) noexcept nogil
        void (*row_d)(const double *x, const double *W, const double *b, double *out,
                      Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*sigmoid_d)(double *v, Py_ssize_t n) noexcept nogil
        double (*exp_shifted_d)(const double *src, double *dst, Py_ssize_t n, double shift) noexcept nogil
        void (*sgd_d)(double *p, const double *g, Py_ssize_t n, double lr) noexcept nogil
        void (*momentum_d)(double *p, const double *g, double *v, Py_ssize_t n, double lr,
                            double momentum) noexcept nogil
        void (*adagrad_d)(double *p, const double *g, double *h, Py_ssize_t n, double lr,
                           double eps) noexcept nogil
        void (*rmsprop_d)(double *p, const double *g, double *h, Py_ssize_t n, double lr, double decay,
                           double eps) noexcept nogil
        void (*adam_d)(double *p, const double *g, double *m, double *v, Py_ssize_t n, double lr_t,
                        double beta1, double beta2, double eps) noexcept nogil
        void (*rank1_d)(double *W, const double *d, const double *x, Py_ssize_t m, Py_ssize_t n,
                         double lr) noexcept nogil
        Py_ssize_t (*packed_size_f)(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*pack_f)(const float *W, float *Wp, Py_ssize_t n_in, Py_ssize_t n_out,
                       Py_ssize_t k0, Py_ssize_t k1) noexcept nogil
        void (*tile_f)(const float *x, Py_ssize_t ldx, const float *Wp, const float *b,
                       float *out, Py_ssize_t n_in, Py_ssize_t n_out, int rows) noexcept nogil
        void (*pack_narrow_f)(const float *W, float *Wt, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*tile_w_f)(const float *x, Py_ssize_t ldx, const float *W, const float *Wt, const float *b,
                         float *out, Py_ssize_t n_in, Py_ssize_t n_out, int rows) noexcept nogil
        Py_ssize_t (*packed_pad_size_f)(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*pack_pad_f)(const float *W, float *Wp, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*tile_t_f)(const float *x, Py_ssize_t ldx, const float *Wp, float *out, Py_ssize_t n_in,
                         Py_ssize_t n_out, Py_ssize_t rows) noexcept nogil
        void (*row_f)(const float *x, const float *W, const float *b, float *out,
                      Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil
        void (*sigmoid_f)(float *v, Py_ssize_t n) noexcept nogil
        float (*exp_shifted_f)(const float *src, float *dst, Py_ssize_t n, float shift) noexcept nogil
        void (*sgd_f)(float *p, const float *g, Py_ssize_t n, double lr) noexcept nogil
        void (*momentum_f)(float *p, const float *g, float *v, Py_ssize_t n, double lr,
                            double momentum) noexcept nogil
        void (*adagrad_f)(float *p, const float *g, float *h, Py_ssize_t n, double lr,
                           double eps) noexcept nogil
        void (*rmsprop_f)(float *p, const float *g, float *h, Py_ssize_t n, double lr, double decay,
                           double eps) noexcept nogil
        void (*adam_f)(float *p, const float *g, float *m, float *v, Py_ssize_t n, double lr_t,
                        double beta1, double beta2, double eps) noexcept nogil
        void (*rank1_f)(float *W, const float *d, const float *x, Py_ssize_t m, Py_ssize_t n,
                         double lr) noexcept nogil
    const nncore_kernels *nncore_kernel_table(int level)
    int nncore_cpu_levels()
    const nncore_kernels *nncore_active()
    int nncore_use_level(int level)


cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static const int nncore_openmp = 1;
    static int nncore_omp_max_threads(void) { return omp_get_max_threads(); }
    static int nncore_omp_thread_limit(void) { return omp_get_thread_limit(); }
    static int nncore_omp_dynamic(void) { return omp_get_dynamic(); }
    #else
    static const int nncore_openmp = 0;
    static int nncore_omp_max_threads(void) { return 1; }
    static int nncore_omp_thread_limit(void) { return 1; }
    static int nncore_omp_dynamic(void) { return 0; }
    #endif
    """
    const int nncore_openmp
    int nncore_omp_max_threads()
    int nncore_omp_thread_limit()
    int nncore_omp_dynamic()


BUILD_INFO = {
    "debug": bool(nncore_debug_build),
    "cflags": nncore_cflags.decode("ascii", "replace"),
    "compiler": nncore_compiler.decode("ascii", "replace"),
}
BUILD_INFO["openmp"] = bool(nncore_openmp)
cdef int _num_threads = 1  # set_num_threads, at the end

_ndarray = _np.ndarray
_empty = _np.empty
_dtype_f64 = _np.dtype(_np.float64)
_dtype_f32 = _np.dtype(_np.float32)

# Activation codes shared with nncore/_kernels_py.py (a test checks they agree).
cdef enum:
    ACT_IDENTITY = 0
    ACT_STEP = 1
    ACT_SIGMOID = 2
    ACT_TANH = 3
    ACT_RELU = 4
    ACT_SOFTMAX = 5

ACTIVATION_CODES = {
    "identity": ACT_IDENTITY,
    "step": ACT_STEP,
    "sigmoid": ACT_SIGMOID,
    "tanh": ACT_TANH,
    "relu": ACT_RELU,
    "softmax": ACT_SOFTMAX,
}

# Loss codes, likewise shared.
cdef enum:
    LOSS_CE = 0
    LOSS_MSE = 1
    LOSS_BCE = 2

LOSS_CODES = {"cross_entropy": LOSS_CE, "mse": LOSS_MSE, "binary_cross_entropy": LOSS_BCE}


# ---------------------------------------------------------------- activations
#
# Each activation of one value, as in nncore/_kernels_py.py; sigmoid and the
# exp of softmax run a whole row at the level's width (_sigmoid, _exp_shifted
# below).  Beside them, the derivative written on the activation's output.

cdef inline floating _tanh(floating v) noexcept nogil:
    if floating is float:
        return tanhf(v)
    else:
        return tanh(v)


cdef inline floating _step(floating v) noexcept nogil:
    # 1 for v > 0, 0 for v <= 0 (so step(0) == 0, as in the book), NaN stays NaN.
    if v > 0:
        return 1
    if v != v:
        return v
    return 0


cdef inline floating _relu(floating v) noexcept nogil:
    # max(v, 0) with NaN propagated and relu(-0.0) == +0.0.
    if v > 0:
        return v
    if v != v:
        return v
    return 0



cdef inline floating _derivative(int act, floating h) noexcept nogil:
    """d act / d a written in terms of the activation's output h = act(a) (identity: 1)."""
    if act == ACT_SIGMOID:
        return h * (1 - h)
    if act == ACT_TANH:
        return 1 - h * h
    if act == ACT_RELU:
        return 1 if h > 0 else 0
    return 1


# ---------------------------------------------------------------- the level's kernels
#
# One fused wrapper per entry of the instruction-set level's table
# (_kernels_simd.h).  Callers read the table once per call (nncore_active())
# and hand it down, so one call never mixes two levels.

ctypedef const nncore_kernels *Kernels


cdef inline Py_ssize_t _packed_size(Kernels k, floating *dummy, Py_ssize_t n_in,
                                    Py_ssize_t n_out) noexcept nogil:
    if floating is float:
        return k.packed_size_f(n_in, n_out)
    else:
        return k.packed_size_d(n_in, n_out)


cdef inline void _pack_rows(Kernels k, const floating *W, floating *Wp, Py_ssize_t n_in,
                            Py_ssize_t n_out, Py_ssize_t k0, Py_ssize_t k1) noexcept nogil:
    if floating is float:
        k.pack_f(W, Wp, n_in, n_out, k0, k1)
    else:
        k.pack_d(W, Wp, n_in, n_out, k0, k1)


cdef inline void _pack(Kernels k, const floating *W, floating *Wp, Py_ssize_t n_in,
                       Py_ssize_t n_out) noexcept nogil:
    _pack_rows(k, W, Wp, n_in, n_out, 0, n_in)


cdef inline void _tile(Kernels k, const floating *x, Py_ssize_t ldx, const floating *Wp,
                       const floating *b, floating *out, Py_ssize_t n_in, Py_ssize_t n_out,
                       int rows) noexcept nogil:
    if floating is float:
        k.tile_f(x, ldx, Wp, b, out, n_in, n_out, rows)
    else:
        k.tile_d(x, ldx, Wp, b, out, n_in, n_out, rows)


cdef inline int _packed_min_rows(Kernels k, const floating *dummy) noexcept nogil:
    """Fewest rows for which the forward tiles take W packed whole (fewer: tile_w)."""
    if floating is float:
        return k.packed_min_rows_f
    else:
        return k.packed_min_rows_d


cdef inline void _pack_narrow(Kernels k, const floating *W, floating *Wt, Py_ssize_t n_in,
                              Py_ssize_t n_out) noexcept nogil:
    if floating is float:
        k.pack_narrow_f(W, Wt, n_in, n_out)
    else:
        k.pack_narrow_d(W, Wt, n_in, n_out)


cdef inline void _tile_w(Kernels k, const floating *x, Py_ssize_t ldx, const floating *W,
                         const floating *Wt, const floating *b, floating *out, Py_ssize_t n_in,
                         Py_ssize_t n_out, int rows) noexcept nogil:
    if floating is float:
        k.tile_w_f(x, ldx, W, Wt, b, out, n_in, n_out, rows)
    else:
        k.tile_w_d(x, ldx, W, Wt, b, out, n_in, n_out, rows)


cdef inline Py_ssize_t _packed_pad_size(Kernels k, floating *dummy, Py_ssize_t n_in,
                                        Py_ssize_t n_out) noexcept nogil:
    if floating is float:
        return k.packed_pad_size_f(n_in, n_out)
    else:
        return k.packed_pad_size_d(n_in, n_out)


cdef inline void _pack_pad(Kernels k, const floating *W, floating *Wp, Py_ssize_t n_in,
                           Py_ssize_t n_out) noexcept nogil:
    if floating is float:
        k.pack_pad_f(W, Wp, n_in, n_out)
    else:
        k.pack_pad_d(W, Wp, n_in, n_out)


cdef inline void _tile_t(Kernels k, const floating *x, Py_ssize_t ldx, const floating *Wp,
                         floating *out, Py_ssize_t n_in, Py_ssize_t n_out,
                         Py_ssize_t rows) noexcept nogil:
    if floating is float:
        k.tile_t_f(x, ldx, Wp, out, n_in, n_out, rows)
    else:
        k.tile_t_d(x, ldx, Wp, out, n_in, n_out, rows)


cdef inline void _row(Kernels k, const floating *x, const floating *W, const floating *b,
                      floating *out, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    if floating is float:
        k.row_f(x, W, b, out, n_in, n_out)
    else:
        k.row_d(x, W, b, out, n_in, n_out)


cdef inline void _sigmoid(Kernels k, floating *v, Py_ssize_t n) noexcept nogil:
    if floating is float:
        k.sigmoid_f(v, n)
    else:
        k.sigmoid_d(v, n)


cdef inline floating _exp_shifted(Kernels k, const floating *src, floating *dst,
                                  Py_ssize_t n, floating shift) noexcept nogil:
    if floating is float:
        return k.exp_shifted_f(src, dst, n, shift)
    else:
        return k.exp_shifted_d(src, dst, n, shift)



cdef inline void _sgd(Kernels k, floating *p, const floating *g, Py_ssize_t n,
                      double lr) noexcept nogil:
    if floating is float:
        k.sgd_f(p, g, n, lr)
    else:
        k.sgd_d(p, g, n, lr)


cdef inline void _rank1(Kernels k, floating *W, const floating *d, const floating *x,
                        Py_ssize_t m, Py_ssize_t n, double lr) noexcept nogil:
    if floating is float:
        k.rank1_f(W, d, x, m, n, lr)
    else:
        k.rank1_d(W, d, x, m, n, lr)


cdef inline void _momentum(Kernels k, floating *p, const floating *g, floating *v,
                           Py_ssize_t n, double lr, double momentum) noexcept nogil:
    if floating is float:
        k.momentum_f(p, g, v, n, lr, momentum)
    else:
        k.momentum_d(p, g, v, n, lr, momentum)


cdef inline void _adagrad(Kernels k, floating *p, const floating *g, floating *h,
                          Py_ssize_t n, double lr, double eps) noexcept nogil:
    if floating is float:
        k.adagrad_f(p, g, h, n, lr, eps)
    else:
        k.adagrad_d(p, g, h, n, lr, eps)


cdef inline void _rmsprop(Kernels k, floating *p, const floating *g, floating *h,
                          Py_ssize_t n, double lr, double decay, double eps) noexcept nogil:
    if floating is float:
        k.rmsprop_f(p, g, h, n, lr, decay, eps)
    else:
        k.rmsprop_d(p, g, h, n, lr, decay, eps)


cdef inline void _adam(Kernels k, floating *p, const floating *g, floating *m, floating *v,
                       Py_ssize_t n, double lr_t, double beta1, double beta2,
                       double eps) noexcept nogil:
    if floating is float:
        k.adam_f(p, g, m, v, n, lr_t, beta1, beta2, eps)
    else:
        k.adam_d(p, g, m, v, n, lr_t, beta1, beta2, eps)


# Optimizer codes of the fused training step, shared with nncore/_kernels_py.py.
cdef enum:
    UPDATE_NONE = 0
    UPDATE_SGD = 1
    UPDATE_MOMENTUM = 2
    UPDATE_ADAGRAD = 3
    UPDATE_RMSPROP = 4
    UPDATE_ADAM = 5

UPDATE_CODES = {"sgd": UPDATE_SGD, "momentum": UPDATE_MOMENTUM, "adagrad": UPDATE_ADAGRAD,
                "rmsprop": UPDATE_RMSPROP, "adam": UPDATE_ADAM}


cdef void _update_param(Kernels k, int update, floating *p, floating *g, floating *s1,
                        floating *s2, Py_ssize_t n, const double *h, double decay,
                        bint nesterov) noexcept nogil:
    """One optimizer step on one parameter, as nncore/optimizers.py takes it: the
    weight decay added to the gradient (g += decay * p), the level's update
    kernel with the scalars ``h``, then Nesterov's look-ahead for momentum."""
    cdef Py_ssize_t i
    cdef floating c = <floating>decay, a
    if n == 0:
        return
    if decay != 0:
        for i in range(n):
            g[i] = g[i] + c * p[i]
    if update == UPDATE_SGD:
        _sgd(k, p, g, n, h[0])
    elif update == UPDATE_MOMENTUM:
        _momentum(k, p, g, s1, n, h[0], h[1])
        if nesterov:
            c = <floating>(h[1] - 1.0)
            a = <floating>h[0]
            for i in range(n):
                p[i] = p[i] + (c * s1[i] - a * g[i])
    elif update == UPDATE_ADAGRAD:
        _adagrad(k, p, g, s1, n, h[0], h[1])
    elif update == UPDATE_RMSPROP:
        _rmsprop(k, p, g, s1, n, h[0], h[1], h[2])
    elif update == UPDATE_ADAM:
        _adam(k, p, g, s1, s2, n, h[0], h[1], h[2], h[3])


# ---------------------------------------------------------------- row helpers

cdef void _softmax_block(Kernels k, floating *v, Py_ssize_t rows, Py_ssize_t m) noexcept nogil:
    """Row-wise softmax of ``rows`` contiguous rows of ``m`` values, in place.  A row
    holding NaN or +inf becomes NaN.

    Each row's maximum is subtracted first, then one _exp_shifted with shift 0 (x - 0
    is x) runs over all rows at once, in lockstep vectors instead of a row's one or
    two, then each row is summed in order and divided."""
    cdef Py_ssize_t r, j
    cdef floating mx, total
    cdef floating *row
    if m == 0 or rows == 0:
        return
    for r in range(rows):
        row = v + r * m
        mx = row[0]
        for j in range(1, m):
            if row[j] > mx:
                mx = row[j]
        for j in range(m):
            row[j] = row[j] - mx
    _exp_shifted(k, v, v, rows * m, 0)
    for r in range(rows):
        row = v + r * m
        total = 0
        for j in range(m):
            total = total + row[j]
        for j in range(m):
            row[j] = row[j] / total


cdef void _softmax(Kernels k, const floating *src, floating *dst,
                       Py_ssize_t m) noexcept nogil:
    """softmax of one row; dst may be src (_softmax_block of one row)."""
    if m == 0:
        return
    if dst != src:
        memcpy(dst, src, m * sizeof(floating))
    _softmax_block(k, dst, 1, m)


cdef void _activate(Kernels k, int act, floating *row, Py_ssize_t m) noexcept nogil:
    """Apply activation ``act`` to ``m`` contiguous values in place."""
    cdef Py_ssize_t j
    if act == ACT_SIGMOID:
        _sigmoid(k, row, m)
    elif act == ACT_RELU:
        for j in range(m):
            row[j] = _relu(row[j])
    elif act == ACT_TANH:
        for j in range(m):
            row[j] = _tanh(row[j])
    elif act == ACT_STEP:
        for j in range(m):
            row[j] = _step(row[j])
    elif act == ACT_SOFTMAX:
        _softmax(k, row, row, m)


cdef void _dense_rows(Kernels k, const floating *x, const floating *W, const floating *Wp,
                      const floating *b, floating *out, Py_ssize_t n, Py_ssize_t n_in,
                      Py_ssize_t n_out, int act) noexcept nogil:
    """out[i, :] = act(x[i, :] @ W + b) for n rows; W is (n_in, n_out), C order.

    ``Wp`` is W already packed for the level's tiles, or NULL (packed here when
    there are rows enough for a tile).  Tiles of ``k.tile_rows`` rows, then one
    of half as many if that many are left, then the one-row kernel for the rest
    (all of it for a single sample): every path sums in the same order, so a
    row's result does not depend on how rows are grouped.  The activation is
    applied while the rows are in cache (at most FORWARD_CHUNK rows come here
    at a time).
    """
    cdef Py_ssize_t i = 0, r
    cdef floating *own = NULL
    cdef bint whole = Wp != NULL or n >= _packed_min_rows(k, W)
    if n >= k.tile_rows and n_in > 0 and n_out > 0:
        if Wp == NULL:
            own = <floating *>malloc(_packed_size(k, own, n_in, n_out) * sizeof(floating))
            if own != NULL:
                if whole:
                    _pack(k, W, own, n_in, n_out)
                else:
                    _pack_narrow(k, W, own, n_in, n_out)
            Wp = own
        if Wp != NULL:
            # whole tiles, then one of half as many rows if that many are left
            i = n // k.tile_rows * k.tile_rows
            if n - i >= k.tile_rows // 2 and k.tile_rows // 2 > 1:
                i += k.tile_rows // 2
            if whole:
                _tile(k, x, n_in, Wp, b, out, n_in, n_out, <int>i)
            else:
                _tile_w(k, x, n_in, W, Wp, b, out, n_in, n_out, <int>i)
            if act == ACT_SOFTMAX:
                _softmax_block(k, out, i, n_out)
            else:  # elementwise: the tiles' rows are one run of values
                _activate(k, act, out, i * n_out)
        free(own)
    while i < n:
        _row(k, x + i * n_in, W, b, out + i * n_out, n_in, n_out)
        _activate(k, act, out + i * n_out, n_out)
        i += 1



# ---------------------------------------------------------------- kernels

def activate(const floating[::1] x, int act, floating[::1] out):
    """out[:] = act(x) elementwise (any code but softmax); out may be x.

    step: 1 where x > 0, 0 where x <= 0; sigmoid: 1 / (1 + exp(-x)) without
    overflow; relu: max(x, 0).  NaN stays NaN in every activation.
    """
    cdef Py_ssize_t i, n = x.shape[0]
    cdef Kernels k = nncore_active()
    if out.shape[0] != n:
        raise ValueError(f"out must hold {n} values like x; got {out.shape[0]}")
    if n == 0:
        return
    with nogil:
        if &out[0] != &x[0]:
            for i in range(n):
                out[i] = x[i]
        _activate(k, act, &out[0], n)


def softmax_rows(const floating[:, ::1] x, floating[:, ::1] out):
    """Row-wise softmax of a 2-D array (max subtracted first)."""
    cdef Py_ssize_t i, n = x.shape[0], m = x.shape[1]
    cdef Kernels k = nncore_active()
    if out.shape[0] != n or out.shape[1] != m:
        raise ValueError(f"out must have x's shape ({n}, {m}); got ({out.shape[0]}, "
                         f"{out.shape[1]})")
    if n == 0 or m == 0:
        return
    with nogil:
        for i in range(n):
            _softmax(k, &x[i, 0], &out[i, 0], m)


def dense(const floating[:, ::1] x, const floating[:, ::1] W, const floating[::1] b,
          int act, floating[:, ::1] out):
    """out = act(x @ W + b) in one pass over the output rows."""
    cdef Py_ssize_t n = x.shape[0], n_in = W.shape[0], n_out = W.shape[1]
    cdef Py_ssize_t i, j
    cdef Kernels k = nncore_active()
    if (x.shape[1] != n_in or b.shape[0] != n_out or out.shape[0] != n
            or out.shape[1] != n_out):
        raise ValueError(f"x ({n}, {x.shape[1]}), W ({n_in}, {n_out}), b ({b.shape[0]},) and "
                         f"out ({out.shape[0]}, {out.shape[1]}) do not fit x @ W + b")
    if not ACT_IDENTITY <= act <= ACT_SOFTMAX:
        raise ValueError(f"unknown activation code {act}")
    if n == 0 or n_out == 0:
        return
    if n_in == 0:
        # x @ W is all zeros: the output is the bias, then the activation
        with nogil:
            for i in range(n):
                for j in range(n_out):
                    out[i, j] = b[j]
                _activate(k, act, &out[i, 0], n_out)
        return
    with nogil:
        _dense_rows(k, &x[0, 0], &W[0, 0], NULL, &b[0], &out[0, 0], n, n_in, n_out, act)


def affine(const floating[:, ::1] x, const floating[:, ::1] W, const floating[::1] b,
           floating[:, ::1] out):
    """out = x @ W + b"""
    dense(x, W, b, ACT_IDENTITY, out)



# ---------------------------------------------------------------- whole network

cdef enum:
    # Rows pushed through all layers together: small enough that the two
    # ping-pong workspaces stay in L1/L2, large enough to reuse each weight row.
    FORWARD_CHUNK = 64
    # Fewest rows a product is split at (a batch's rows; for the weight gradient,
    # dW's): below it, starting the threads costs more than it saves
    # (784-50-100-10 predict on 2 threads: 1.0x at 16 rows, 1.2-1.3x at 32, 1.6x
    # at 100).
    PARALLEL_MIN_ROWS = 32
    # Fewest values an optimizer step is split at (Adam on 2 threads, AVX2:
    # about 0.8 ns a float32 value on one thread, a few µs to start the team)
    UPDATE_PARALLEL_MIN = 16384
    # Fewest values of W packed by shares of rows on the threads
    PACK_PARALLEL_MIN = 32768


cdef inline Py_ssize_t _chunk_rows(Kernels k, Py_ssize_t n, int threads) noexcept nogil:
    """Rows per chunk when n rows are shared among ``threads`` threads.

    At most FORWARD_CHUNK rows and a whole number of tiles; about as many chunks
    for each thread (their number, ceil(n / FORWARD_CHUNK) rounded up to a multiple
    of ``threads``, shrinks when the rounding to whole tiles makes chunks longer).
    100 rows on 2 threads with tiles of 4 rows are chunks of 52 and 48, not 64 and
    36.  A row's result does not depend on its chunk.
    """
    cdef Py_ssize_t chunks = (n + FORWARD_CHUNK - 1) // FORWARD_CHUNK, rows
    if threads < 2 or n <= 0:
        return FORWARD_CHUNK
    chunks = (chunks + threads - 1) // threads * threads
    rows = (n + chunks - 1) // chunks
    return (rows + k.tile_rows - 1) // k.tile_rows * k.tile_rows


cdef void _pack_split(Kernels k, const floating *W, floating *Wp, Py_ssize_t n_in,
                      Py_ssize_t n_out, int threads) noexcept nogil:
    """_pack on ``threads`` threads, each a share of W's rows (from PACK_PARALLEL_MIN
    values; the same packed values on any number).  The team has ``threads``
    threads, as the caller's guard agreed."""
    cdef Py_ssize_t share, c
    if n_in == 0 or n_out == 0:
        return
    if threads < 2 or n_in * n_out < PACK_PARALLEL_MIN or n_in < threads:
        _pack(k, W, Wp, n_in, n_out)
        return
    share = (n_in + threads - 1) // threads
    for c in prange(threads, num_threads=threads, schedule="static"):
        if c * share < n_in:
            _pack_rows(k, W, Wp, n_in, n_out, c * share,
                       n_in if n_in - c * share < share else c * share + share)


def omp_limits():
    """OpenMP's limits as the calling thread sees them: ``(max_threads, thread_limit,
    dynamic)`` (``omp_get_max_threads``, which ``OMP_NUM_THREADS`` and threadpoolctl set,
    ``omp_get_thread_limit`` and ``omp_get_dynamic``)."""
    return nncore_omp_max_threads(), nncore_omp_thread_limit(), bool(nncore_omp_dynamic())


# Called with the thread count a parallel predict wants, before OpenMP starts its team;
# returns the count to use (nncore._threads sets it: it keeps OpenMP from having to start
# threads the system refuses, which GNU OpenMP answers by ending the process).
_team_guard = None


def set_team_guard(guard):
    """Install ``guard(threads) -> threads`` (or None), consulted before each parallel call."""
    global _team_guard
    _team_guard = guard


cdef void _forward_chunk(Kernels k, const floating *x, floating *out, Py_ssize_t rows,
                         const floating **Ws, const floating **bs, const floating **Wps,
                         const Py_ssize_t *sizes, const int *acts, int n_layers, int out_act,
                         floating *work, Py_ssize_t stride) noexcept nogil:
    """Push ``rows`` (at most FORWARD_CHUNK) rows of x through every layer into out.

    sizes holds n_layers + 1 widths; work holds two buffers of ``stride`` values,
    used in turn for the hidden layers; Wps, if not NULL, holds packed weights.
    """
    cdef int l
    cdef Py_ssize_t r
    cdef const floating *src = x
    cdef floating *dst
    for l in range(n_layers):
        dst = out if l == n_layers - 1 else work + (l % 2) * stride
        _dense_rows(k, src, Ws[l], Wps[l] if Wps != NULL else NULL, bs[l], dst, rows,
                      sizes[l], sizes[l + 1], acts[l])
        src = dst
    if out_act == ACT_SOFTMAX:
        _softmax_block(k, out, rows, sizes[n_layers])
    elif out_act != ACT_IDENTITY:
        for r in range(rows):
            _activate(k, out_act, out + r * sizes[n_layers], sizes[n_layers])


cdef const void *_data(object array, bint double_precision) except? NULL:
    """Address of a validated C-contiguous float array's data (NULL when empty)."""
    cdef const double[::1] d
    cdef const float[::1] f
    flat = array.reshape(-1)
    if flat.shape[0] == 0:
        return NULL
    if double_precision:
        d = flat
        return &d[0]
    f = flat
    return &f[0]


cdef int _layer_table(list Ws, list bs, list acts, bint double_precision,
                      const void **W_ptrs, const void **b_ptrs, Py_ssize_t *sizes,
                      int *codes) except -1:
    """The kernels' view of a network's layers, for Forward and gradient alike.

    Fills the addresses of each ``Ws[l]`` and ``bs[l]``, the ``len(Ws) + 1``
    widths (``sizes[0]`` inputs, then each layer's outputs) and the activation codes.
    """
    cdef Py_ssize_t l, n = len(Ws)
    dtype = _dtype_f64 if double_precision else _dtype_f32
    if n == 0 or len(bs) != n or len(acts) != n:
        raise ValueError(f"a network takes one bias and one activation per weight matrix, "
                         f"and at least one of each; got {n}, {len(bs)} and {len(acts)}")
    for l in range(n):  # checked here too: a wrong array would be read out of bounds
        W, b, act = Ws[l], bs[l], acts[l]
        if not (isinstance(W, _ndarray) and isinstance(b, _ndarray) and W.ndim == 2
                and b.ndim == 1 and W.dtype == dtype and b.dtype == dtype
                and W.flags.c_contiguous and b.flags.c_contiguous and b.shape[0] == W.shape[1]
                and (l == 0 or W.shape[0] == Ws[l - 1].shape[1])):
            raise ValueError(f"layer {l + 1}: W must be a C-contiguous {dtype} matrix whose rows "
                             f"match the layer below and b a {dtype} vector of W's width")
        if isinstance(act, bool) or not (isinstance(act, (int, _np.integer))
                                         and ACT_IDENTITY <= act <= ACT_SOFTMAX):
            raise ValueError(f"layer {l + 1}: unknown activation code {act!r}")
    sizes[0] = Ws[0].shape[0]
    for l in range(n):
        W_ptrs[l] = _data(Ws[l], double_precision)
        b_ptrs[l] = _data(bs[l], double_precision)
        sizes[l + 1] = Ws[l].shape[1]
        codes[l] = acts[l]
    return 0


cdef class Forward:
    """A network's forward pass as one compiled call: ``plan(x, out)``.

    Built once from C-contiguous weight matrices ``Ws[l]`` of shape
    ``(sizes[l], sizes[l + 1])``, biases ``bs[l]`` and activation codes; holds
    references to those arrays, so in-place changes to them are seen by the
    next call.  Calls need no GIL and share nothing mutable, so threads may use
    one plan at once.
    """
    cdef list _arrays
    cdef int n_layers, out_act
    cdef bint double_precision
    cdef const void **Ws
    cdef const void **bs
    cdef Py_ssize_t *sizes
    cdef int *acts
    cdef Py_ssize_t max_width
    cdef readonly object dtype

    def __cinit__(self, list Ws, list bs, list acts, int out_act):
        cdef Py_ssize_t l, n = len(Ws)
        if n == 0:
            raise ValueError("a network has at least one layer")
        if not ACT_IDENTITY <= out_act <= ACT_SOFTMAX:
            raise ValueError(f"unknown output activation code {out_act}")
        self.n_layers = <int>n
        self.out_act = out_act
        self.double_precision = Ws[0].dtype.itemsize == 8
        self.dtype = _dtype_f64 if self.double_precision else _dtype_f32
        self._arrays = list(Ws) + list(bs)
        self.Ws = <const void **>malloc(n * sizeof(void *))
        self.bs = <const void **>malloc(n * sizeof(void *))
        self.sizes = <Py_ssize_t *>malloc((n + 1) * sizeof(Py_ssize_t))
        self.acts = <int *>malloc(n * sizeof(int))
        if not (self.Ws and self.bs and self.sizes and self.acts):
            raise MemoryError()
        _layer_table(Ws, bs, acts, self.double_precision, self.Ws, self.bs, self.sizes,
                     self.acts)
        self.max_width = 1
        for l in range(n - 1):  # the hidden layers' widths: the workspaces hold those
            if self.sizes[l + 1] > self.max_width:
                self.max_width = self.sizes[l + 1]

    def __dealloc__(self):
        free(self.Ws)
        free(self.bs)
        free(self.sizes)
        free(self.acts)

    def __call__(self, x, out):
        """out[:] = the network applied to x (2-D, C-contiguous, the plan's dtype)."""
        if self.double_precision:
            self._run_d(x, out)
        else:
            self._run_f(x, out)

    def predict(self, x):
        """The output for x, or None unless x is the plain case.

        The plain case: an ``ndarray`` (not a subclass) of the plan's dtype,
        C-contiguous, one sample ``(n_in,)`` or a non-empty batch ``(N, n_in)``.
        The result is a new array, ``(n_out,)`` or ``(N, n_out)``.  Anything else
        is left to the caller's validation (nothing is raised for it here).
        """
        cdef Py_buffer xv
        cdef Py_buffer ov
        cdef Py_ssize_t n, n_in = self.sizes[0], n_out = self.sizes[self.n_layers]
        cdef Py_ssize_t item = 8 if self.double_precision else 4
        if type(x) is not _ndarray or x.dtype is not self.dtype or n_in == 0 or n_out == 0:
            return None
        PyObject_GetBuffer(x, &xv, PyBUF_STRIDES)
        try:
            if xv.ndim == 1:
                if xv.shape[0] != n_in or xv.strides[0] != item:
                    return None
                n = 1
                out = _empty(n_out, self.dtype)
            elif xv.ndim == 2:
                n = xv.shape[0]
                if (n == 0 or xv.shape[1] != n_in or xv.strides[1] != item
                        or (n > 1 and xv.strides[0] != n_in * item)):
                    return None
                out = _empty((n, n_out), self.dtype)
            else:
                return None
            PyObject_GetBuffer(out, &ov, PyBUF_WRITABLE)
            try:
                if self.double_precision:
                    self._go(<const double *>xv.buf, <double *>ov.buf, n)
                else:
                    self._go(<const float *>xv.buf, <float *>ov.buf, n)
            finally:
                PyBuffer_Release(&ov)
        finally:
            PyBuffer_Release(&xv)
        return out

    cdef _run_d(self, const double[:, ::1] x, double[:, ::1] out):
        self._run(x, out)

    cdef _run_f(self, const float[:, ::1] x, float[:, ::1] out):
        self._run(x, out)

    cdef _run(self, const floating[:, ::1] x, floating[:, ::1] out):
        if (x.shape[1] != self.sizes[0] or out.shape[0] != x.shape[0]
                or out.shape[1] != self.sizes[self.n_layers]):
            raise ValueError(f"x must have shape (N, {self.sizes[0]}) and out (N, "
                             f"{self.sizes[self.n_layers]}); got ({x.shape[0]}, {x.shape[1]}) "
                             f"and ({out.shape[0]}, {out.shape[1]})")
        if x.shape[0] == 0 or out.shape[1] == 0:
            return
        self._go(&x[0, 0] if x.shape[1] else NULL, &out[0, 0], x.shape[0])

    cdef int _go(self, const floating *xp, floating *outp, Py_ssize_t n) except -1:
        """outp[:n] = the network applied to the n rows at xp (n >= 1, widths > 0 at the ends)."""
        cdef Py_ssize_t rows, stride
        cdef floating *work
        cdef floating *packed
        cdef const floating **Wps = NULL
        cdef Py_ssize_t l, c, total = 0
        cdef Py_ssize_t n_out = self.sizes[self.n_layers]
        cdef Py_ssize_t n_chunks, chunk
        cdef int threads = 1
        cdef Kernels k = nncore_active()
        if _num_threads > 1 and n >= PARALLEL_MIN_ROWS:
            threads = _num_threads
            if _team_guard is not None:
                threads = max(1, min(threads, <int>_team_guard(threads)))
        # the team is the size the guard agreed to, even if a small batch leaves some
        # of its threads without a chunk: a smaller team would retire pool threads
        # the guard counts on
        chunk = _chunk_rows(k, n, threads)
        n_chunks = (n + chunk - 1) // chunk
        rows = n if n < chunk else chunk
        stride = rows * self.max_width
        if n >= k.tile_rows and n >= _packed_min_rows(k, outp):
            # every layer's W packed once per call, shared by all chunks of rows
            for l in range(self.n_layers):
                total += _packed_size(k, <floating *>NULL, self.sizes[l], self.sizes[l + 1])
        work = <floating *>malloc((2 * stride * threads + total) * sizeof(floating))
        if total:
            Wps = <const floating **>malloc(self.n_layers * sizeof(void *))
        if work == NULL or (total and Wps == NULL):
            free(work)
            free(Wps)
            raise MemoryError()
        with nogil:
            if total:
                packed = work + 2 * stride * threads
                for l in range(self.n_layers):
                    Wps[l] = packed
                    _pack_split(k, <const floating *>self.Ws[l], packed, self.sizes[l],
                                self.sizes[l + 1], threads)
                    packed += _packed_size(k, packed, self.sizes[l], self.sizes[l + 1])
            if threads > 1:
                for c in prange(n_chunks, num_threads=threads, schedule="static"):
                    _forward_chunk(k, xp + c * chunk * self.sizes[0], outp + c * chunk * n_out,
                                   n - c * chunk if n - c * chunk < chunk else chunk,
                                   <const floating **>self.Ws, <const floating **>self.bs, Wps,
                                   self.sizes, self.acts, self.n_layers, self.out_act,
                                   work + 2 * stride * threadid(), stride)
            else:
                for c in range(n_chunks):
                    _forward_chunk(k, xp + c * chunk * self.sizes[0], outp + c * chunk * n_out,
                                   n - c * chunk if n - c * chunk < chunk else chunk,
                                   <const floating **>self.Ws, <const floating **>self.bs, Wps,
                                   self.sizes, self.acts, self.n_layers, self.out_act,
                                   work, stride)
        free(work)
        free(Wps)
        return 0



# ---------------------------------------------------------------- training

cdef double _output_delta(Kernels k, int out_act, int loss, const floating *h,
                          const floating *t, const long long *labels, floating *g,
                          Py_ssize_t n, Py_ssize_t m) noexcept nogil:
    """Write d loss_sum / d h into g (n x m); return the summed loss (in double).

    exp and sigmoid come from the level's kernels, as in predict, so a loss and
    the prediction it is computed from round alike.
    """
    cdef Py_ssize_t i, j
    cdef double total = 0, lse
    cdef floating mx, s, y, diff, v
    cdef const floating *hr
    cdef floating *gr
    for i in range(n):
        hr = h + i * m
        gr = g + i * m
        if loss == LOSS_CE:
            mx = hr[0]
            for j in range(1, m):
                if hr[j] > mx:
                    mx = hr[j]
            s = _exp_shifted(k, hr, gr, m, mx)      # gr[j] = exp(hr[j] - mx)
            lse = log(<double>s)
            total += lse - (hr[labels[i]] - mx)
            for j in range(m):
                gr[j] = gr[j] / s
            gr[labels[i]] = gr[labels[i]] - 1
        elif loss == LOSS_BCE:
            for j in range(m):
                v = hr[j]
                # softplus(v) - t v, with exp only of -|v|
                total += (v if v > 0 else 0) + log1p(exp(-fabs(<double>v))) - t[i * m + j] * v
                gr[j] = v
            _sigmoid(k, gr, m)
            for j in range(m):
                gr[j] = gr[j] - t[i * m + j]
        else:
            for j in range(m):
                gr[j] = hr[j]
            if out_act == ACT_SIGMOID:
                _sigmoid(k, gr, m)
            for j in range(m):
                y = gr[j]
                diff = y - t[i * m + j]
                total += 0.5 * diff * diff
                if out_act == ACT_SIGMOID:
                    diff = diff * (y * (1 - y))
                gr[j] = diff
    return total


cdef enum:
    TRANSPOSE_TILE = 16


cdef void _transpose(const floating *a, floating *out, Py_ssize_t rows,
                     Py_ssize_t cols) noexcept nogil:
    """out (cols x rows) = a (rows x cols) transposed, in tiles that stay in L1."""
    cdef Py_ssize_t i0 = 0, j0, i, j, i1, j1, tile = TRANSPOSE_TILE
    while i0 < rows:
        i1 = i0 + tile if i0 + tile < rows else rows
        j0 = 0
        while j0 < cols:
            j1 = j0 + tile if j0 + tile < cols else cols
            for j in range(j0, j1):
                for i in range(i0, i1):
                    out[j * rows + i] = a[i * cols + j]
            j0 += tile
        i0 += tile


cdef void _dense_rows_split(Kernels k, const floating *x, const floating *W,
                            const floating *b, floating *out, Py_ssize_t n, Py_ssize_t n_in,
                            Py_ssize_t n_out, int act, int threads) noexcept nogil:
    """_dense_rows on ``threads`` threads, in blocks of _chunk_rows rows, W packed once.

    A row's result does not depend on the rows it is computed with, so this equals
    the one-thread result bit for bit.  A parallel call's team has ``threads``
    threads, as the caller's guard agreed, even where there are fewer blocks.
    """
    cdef Py_ssize_t chunk = _chunk_rows(k, n, threads), c
    cdef Py_ssize_t blocks = (n + chunk - 1) // chunk
    cdef floating *packed = NULL
    if threads < 2 or blocks < 2 or n < PARALLEL_MIN_ROWS:
        _dense_rows(k, x, W, NULL, b, out, n, n_in, n_out, act)
        return
    if n_in > 0 and n_out > 0:
        packed = <floating *>malloc(_packed_size(k, packed, n_in, n_out) * sizeof(floating))
        if packed != NULL:  # without it, each block packs W for itself
            _pack_split(k, W, packed, n_in, n_out, threads)
    for c in prange(blocks, num_threads=threads, schedule="static"):
        _dense_rows(k, x + c * chunk * n_in, W, packed, b, out + c * chunk * n_out,
                    n - c * chunk if n - c * chunk < chunk else chunk, n_in, n_out, act)
    free(packed)


cdef void _weight_grad(Kernels k, const floating *zin, const floating *d, floating *packed,
                       floating *dW, Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                       int threads) noexcept nogil:
    """dW (n_in x n_out) = zin^T @ d for n rows of zin (n x n_in, read in place) and d
    (n x n_out, packed into ``packed``, _packed_pad_size(n, n_out) values).

    Blocks of _chunk_rows rows of dW are shared among ``threads`` threads (all of
    them, as the caller's guard agreed, even where there are fewer blocks); a row's
    sums do not depend on its block, so the result is the same on any number.
    """
    cdef Py_ssize_t chunk, blocks, c
    if n_in == 0 or n_out == 0:
        return
    chunk = _chunk_rows(k, n_in, threads)
    blocks = (n_in + chunk - 1) // chunk
    _pack_pad(k, d, packed, n, n_out)
    if threads < 2 or blocks < 2 or n_in < PARALLEL_MIN_ROWS:
        _tile_t(k, zin, n_in, packed, dW, n, n_out, n_in)
        return
    for c in prange(blocks, num_threads=threads, schedule="static"):
        _tile_t(k, zin + c * chunk, n_in, packed, dW + c * chunk * n_out, n, n_out,
                n_in - c * chunk if n_in - c * chunk < chunk else chunk)


cdef void _times_derivative(int act, floating *d, const floating *h,
                            Py_ssize_t n) noexcept nogil:
    """d *= the activation's derivative at its output h (_derivative), one loop per
    activation so that each is branch-free."""
    cdef Py_ssize_t i
    if act == ACT_RELU:
        for i in range(n):
            d[i] = d[i] * (<floating>1 if h[i] > 0 else <floating>0)
    elif act == ACT_SIGMOID:  # (the derivative rounded to floating first, as _derivative's)
        for i in range(n):
            d[i] = d[i] * <floating>(h[i] * (1 - h[i]))
    elif act == ACT_TANH:
        for i in range(n):
            d[i] = d[i] * <floating>(1 - h[i] * h[i])
    elif act != ACT_IDENTITY:
        for i in range(n):
            d[i] = d[i] * _derivative(act, h[i])


cdef void _update_param_split(Kernels k, int update, floating *p, floating *g, floating *s1,
                              floating *s2, Py_ssize_t n, const double *h, double decay,
                              bint nesterov, int threads) noexcept nogil:
    """_update_param on ``threads`` threads, each a share of whole 64-byte lines.

    Every value's step reads and writes that value alone, so the result is the
    one-thread result bit for bit.  The team has ``threads`` threads, as the
    caller's guard agreed.
    """
    cdef Py_ssize_t chunk, parts, c
    if threads < 2 or n < UPDATE_PARALLEL_MIN:
        _update_param(k, update, p, g, s1, s2, n, h, decay, nesterov)
        return
    chunk = (n + threads - 1) // threads
    chunk = (chunk + 15) // 16 * 16
    parts = (n + chunk - 1) // chunk
    for c in prange(parts, num_threads=threads, schedule="static"):
        _update_param(k, update, p + c * chunk, g + c * chunk,
                      s1 + c * chunk if s1 != NULL else NULL,
                      s2 + c * chunk if s2 != NULL else NULL,
                      n - c * chunk if n - c * chunk < chunk else chunk, h, decay, nesterov)


cdef inline void _update_layer(Kernels k, int update, const floating **Ws, const floating **bs,
                               floating **dWs, floating **dbs, floating **s1, floating **s2,
                               const Py_ssize_t *sizes, int l, const double *h, double decay,
                               bint nesterov, int threads) noexcept nogil:
    """Layer l's optimizer step (W with weight decay, then b), if there is an update."""
    if update != UPDATE_NONE:
        _update_param_split(k, update, <floating *>Ws[l], dWs[l], s1[2 * l], s2[2 * l],
                            sizes[l] * sizes[l + 1], h, decay, nesterov, threads)
        _update_param_split(k, update, <floating *>bs[l], dbs[l], s1[2 * l + 1],
                            s2[2 * l + 1], sizes[l + 1], h, 0, nesterov, threads)


cdef double _backprop(Kernels k, const floating *x, Py_ssize_t n, const floating **Ws,
                      const floating **bs, const Py_ssize_t *sizes, const int *acts,
                      int n_layers, int out_act, int loss, const floating *t,
                      const long long *labels, floating **zs, floating **dWs,
                      floating **dbs, floating *d_cur, floating *d_next, floating *trans,
                      const floating *zeros, int threads, int update, floating **s1,
                      floating **s2, const double *h, double decay,
                      bint nesterov) noexcept nogil:
    """Forward pass keeping each layer's output, then the backward pass.

    Both products of the backward pass go through the register-blocked tiles:
    dW = zin^T @ delta reads zin transposed in place (_weight_grad, the deltas
    packed into ``trans``), delta_below = delta @ W^T takes W transposed into
    ``trans``.  Every product's rows are
    shared among ``threads`` threads (the same result on any number).

    With an ``update`` code, each layer's W and b then take the optimizer's step
    (_update_param; state arrays ``s1``/``s2`` per parameter, W before b) as soon
    as the pass below no longer reads them, while their gradients are in cache.
    """
    cdef int l
    cdef Py_ssize_t i, j, n_in, n_out
    cdef double total
    cdef floating inv_n
    cdef const floating *src = x
    cdef const floating *zin
    cdef floating *tmp
    if n == 0:  # zero gradients (and the optimizer's step with them)
        for l in range(n_layers):
            if sizes[l] * sizes[l + 1]:  # (an empty array's address is NULL)
                memset(dWs[l], 0, sizes[l] * sizes[l + 1] * sizeof(floating))
            if sizes[l + 1]:
                memset(dbs[l], 0, sizes[l + 1] * sizeof(floating))
            _update_layer(k, update, Ws, bs, dWs, dbs, s1, s2, sizes, l, h, decay, nesterov, 1)
        return 0
    for l in range(n_layers):
        _dense_rows_split(k, src, Ws[l], bs[l], zs[l], n, sizes[l], sizes[l + 1], acts[l],
                          threads)
        src = zs[l]
    total = _output_delta(k, out_act, loss, zs[n_layers - 1], t, labels, d_cur, n,
                          sizes[n_layers])
    inv_n = 1
    inv_n = inv_n / n
    for i in range(n * sizes[n_layers]):
        d_cur[i] = d_cur[i] * inv_n
    l = n_layers - 1
    while l >= 0:
        n_in, n_out = sizes[l], sizes[l + 1]
        _times_derivative(acts[l], d_cur, zs[l], n * n_out)
        for j in range(n_out):
            dbs[l][j] = 0
        for i in range(n):
            for j in range(n_out):
                dbs[l][j] = dbs[l][j] + d_cur[i * n_out + j]
        zin = x if l == 0 else zs[l - 1]
        _weight_grad(k, zin, d_cur, trans, dWs[l], n, n_in, n_out, threads)
        if l > 0 and n_in:
            if n_out:
                _transpose(Ws[l], trans, n_in, n_out)            # (n_out, n_in)
            _dense_rows_split(k, d_cur, trans, zeros, d_next, n, n_out, n_in, ACT_IDENTITY,
                              threads)
            tmp = d_cur
            d_cur = d_next
            d_next = tmp
        _update_layer(k, update, Ws, bs, dWs, dbs, s1, s2, sizes, l, h, decay, nesterov,
                      threads)
        l -= 1
    return total / n


cdef void *_state_data(object array, bint double_precision, Py_ssize_t size) except? NULL:
    """Address of an optimizer state array the step writes: checked here, since
    optimizers' state dicts are public (a wrong array is an error, never a write
    out of bounds)."""
    cdef double[::1] d
    cdef float[::1] f
    if (type(array) is not _ndarray or not array.flags.c_contiguous
            or array.dtype != (_dtype_f64 if double_precision else _dtype_f32)
            or array.size != size):
        raise ValueError(f"an optimizer state array must be a C-contiguous "
                         f"{'float64' if double_precision else 'float32'} array of "
                         f"{size} values, like its parameter")
    if size == 0:
        return NULL
    if double_precision:
        d = array.reshape(-1)
        return &d[0]
    f = array.reshape(-1)
    return &f[0]


cdef int _check_step_arrays(x, t, list zs, list dWs, list dbs, int loss, bint dbl,
                            const Py_ssize_t *sizes, Py_ssize_t L,
                            const long long *labels) except -1:
    """train_step's own check of what it reads and writes besides the layers (the
    callers in nncore check them first; a wrong one here would be an access out of
    bounds): x, the targets (labels in range), and the output buffers' shapes."""
    cdef Py_ssize_t l, i, n = x.shape[0]
    dtype = _dtype_f64 if dbl else _dtype_f32

    def fits(a, shape, writeable):
        return (isinstance(a, _ndarray) and a.dtype == dtype and a.flags.c_contiguous
                and a.shape == shape and (a.flags.writeable or not writeable))

    if not fits(x, (n, sizes[0]), False):
        raise ValueError(f"x must be a C-contiguous {dtype} array of shape ({n}, {sizes[0]})")
    if loss == LOSS_CE:
        if t.shape != (n,):
            raise ValueError(f"t must hold {n} labels")
        for i in range(n):
            if labels[i] < 0 or labels[i] >= sizes[L]:
                raise ValueError(f"labels must lie in [0, {sizes[L]}); got {labels[i]}")
    elif loss == LOSS_MSE or loss == LOSS_BCE:
        if not fits(t, (n, sizes[L]), False):
            raise ValueError(f"t must be a C-contiguous {dtype} array of shape ({n}, {sizes[L]})")
    else:
        raise ValueError(f"unknown loss code {loss}")
    if len(zs) != L or len(dWs) != L or len(dbs) != L:
        raise ValueError(f"zs, dWs and dbs must hold one array per layer ({L})")
    for l in range(L):
        if not (fits(zs[l], (n, sizes[l + 1]), True)
                and fits(dWs[l], (sizes[l], sizes[l + 1]), True)
                and fits(dbs[l], (sizes[l + 1],), True)):
            raise ValueError(f"layer {l + 1}: zs, dWs and dbs must be writeable C-contiguous "
                             f"{dtype} arrays of shapes ({n}, {sizes[l + 1]}), "
                             f"({sizes[l]}, {sizes[l + 1]}) and ({sizes[l + 1]},)")
    return 0


def gradient(list Ws, list bs, list acts, int out_act, int loss, x, t, list zs, list dWs,
             list dbs):
    """Backpropagation for one batch: fills dWs and dbs, returns the mean loss."""
    return train_step(Ws, bs, acts, out_act, loss, x, t, zs, dWs, dbs)


def train_step(list Ws, list bs, list acts, int out_act, int loss, x, t, list zs, list dWs,
               list dbs, int update=UPDATE_NONE, list states=None, tuple scalars=(),
               double weight_decay=0.0, bint nesterov=False):
    """gradient(), then with an ``update`` code (UPDATE_CODES) one optimizer step on
    every W and b in the same call: ``states`` holds, per parameter (W1, b1, W2, ...),
    its state arrays (none for sgd, v for momentum, h for adagrad and rmsprop, m
    and v for adam); ``scalars`` are the update kernel's (lr, ...) and Adam's lr_t
    first; ``weight_decay`` is added times W to each W's gradient (which keeps it)."""
    cdef Py_ssize_t n = x.shape[0], L = len(Ws), l, width = 1, trans = 1, size, i
    cdef bint dbl = x.dtype.itemsize == 8
    cdef const long long[::1] lab
    cdef const long long *labels = NULL
    cdef const void *tp = NULL
    cdef void **ptrs
    cdef Py_ssize_t *sizes
    cdef int *codes
    cdef void *work
    cdef const void *xp
    cdef double result = 0.0
    cdef double h[4]
    cdef int threads
    cdef Kernels k = nncore_active()
    cdef int need = (0 if update == UPDATE_NONE or update == UPDATE_SGD else
                     2 if update == UPDATE_ADAM else 1)
    if update < UPDATE_NONE or update > UPDATE_ADAM:
        raise ValueError(f"unknown update code {update}")
    if not ACT_IDENTITY <= out_act <= ACT_SOFTMAX:
        raise ValueError(f"unknown output activation code {out_act}")
    if update != UPDATE_NONE:
        if states is None or len(states) != 2 * L:
            raise ValueError(f"states must hold one entry per parameter ({2 * L})")
        if len(scalars) != (1, 2, 2, 3, 4)[update - 1]:
            raise ValueError(f"update {update} takes {(1, 2, 2, 3, 4)[update - 1]} scalars; "
                             f"got {len(scalars)}")
    for i in range(4):
        h[i] = scalars[i] if i < len(scalars) else 0.0
    if loss == LOSS_CE:
        lab = t
        if n:
            labels = &lab[0]
    elif n:
        tp = _data(t, dbl)
    ptrs = <void **>malloc(9 * L * sizeof(void *))
    sizes = <Py_ssize_t *>malloc((L + 1) * sizeof(Py_ssize_t))
    codes = <int *>malloc(L * sizeof(int))
    if not (ptrs and sizes and codes):
        free(ptrs); free(sizes); free(codes)
        raise MemoryError()
    work = NULL
    try:
        _layer_table(Ws, bs, acts, dbl, <const void **>ptrs, <const void **>(ptrs + L), sizes,
                     codes)
        _check_step_arrays(x, t, zs, dWs, dbs, loss, dbl, sizes, L, labels)
        for l in range(L):
            ptrs[2 * L + l] = <void *>_data(zs[l], dbl)
            ptrs[3 * L + l] = <void *>_data(dWs[l], dbl)
            ptrs[4 * L + l] = <void *>_data(dbs[l], dbl)
            if sizes[l + 1] > width:
                width = sizes[l + 1]
            if sizes[l] > width:
                width = sizes[l]
            # the packed deltas (_weight_grad) or W^T (n_out x n_in)
            size = (_packed_pad_size(k, <double *>NULL, n, sizes[l + 1]) if dbl
                    else _packed_pad_size(k, <float *>NULL, n, sizes[l + 1]))
            if size > trans:
                trans = size
            if sizes[l] * sizes[l + 1] > trans:
                trans = sizes[l] * sizes[l + 1]
        for i in range(2 * L):  # state arrays: s1 at ptrs + 5L, s2 at ptrs + 7L
            ptrs[5 * L + i] = NULL
            ptrs[7 * L + i] = NULL
            if update == UPDATE_NONE:
                continue
            size = (sizes[i // 2] * sizes[i // 2 + 1]) if i % 2 == 0 else sizes[i // 2 + 1]
            entry = states[i]
            if len(entry) != need:
                raise ValueError(f"update {update} takes {need} state arrays per parameter; "
                                 f"got {len(entry)}")
            if need > 0:
                ptrs[5 * L + i] = _state_data(entry[0], dbl, size)
            if need > 1:
                ptrs[7 * L + i] = _state_data(entry[1], dbl, size)
            if update != UPDATE_NONE:  # the parameters themselves are written: writeable
                _state_data(Ws[i // 2] if i % 2 == 0 else bs[i // 2], dbl, size)
        # two deltas (n x width), one transposed operand, then zeros for the bias
        work = malloc((2 * n * width + trans + width) * (8 if dbl else 4))
        if work == NULL:
            raise MemoryError()
    except BaseException:
        free(ptrs); free(sizes); free(codes)
        raise
    if dbl:
        memset(<double *>work + 2 * n * width + trans, 0, width * 8)
    else:
        memset(<float *>work + 2 * n * width + trans, 0, width * 4)
    xp = _data(x, dbl) if n else NULL
    threads = _num_threads
    if threads > 1 and _team_guard is not None and n:
        threads = max(1, min(threads, <int>_team_guard(threads)))
    with nogil:
        if dbl:
            result = _backprop(k, <const double *>xp, n, <const double **>ptrs,
                               <const double **>(ptrs + L), sizes, codes, <int>L, out_act,
                               loss, <const double *>tp, labels, <double **>(ptrs + 2 * L),
                               <double **>(ptrs + 3 * L), <double **>(ptrs + 4 * L),
                               <double *>work, <double *>work + n * width,
                               <double *>work + 2 * n * width,
                               <double *>work + 2 * n * width + trans, threads, update,
                               <double **>(ptrs + 5 * L), <double **>(ptrs + 7 * L), h,
                               weight_decay, nesterov)
        else:
            result = _backprop(k, <const float *>xp, n, <const float **>ptrs,
                               <const float **>(ptrs + L), sizes, codes, <int>L, out_act,
                               loss, <const float *>tp, labels, <float **>(ptrs + 2 * L),
                               <float **>(ptrs + 3 * L), <float **>(ptrs + 4 * L),
                               <float *>work, <float *>work + n * width,
                               <float *>work + 2 * n * width,
                               <float *>work + 2 * n * width + trans, threads, update,
                               <float **>(ptrs + 5 * L), <float **>(ptrs + 7 * L), h,
                               weight_decay, nesterov)
    free(work)
    free(ptrs)
    free(sizes)
    free(codes)
    return result


# ---------------------------------------------------------------- optimizer steps
#
# The NumPy twin's formulas element by element, at the level's width
# (_kernels_update.h): the two backends update bit for bit alike.  Arrays are
# 1-D, C-contiguous, of one dtype, and distinct.

cdef int _same_length(Py_ssize_t n, Py_ssize_t g, Py_ssize_t s1=-1,
                      Py_ssize_t s2=-1) except -1:
    """The update kernels read and write len(p) values of every array."""
    if g != n or (s1 != -1 and s1 != n) or (s2 != -1 and s2 != n):
        raise ValueError(f"the gradient and state arrays must hold as many values as the "
                         f"parameter ({n})")
    return 0


def sgd_update(floating[::1] p, const floating[::1] g, double lr):
    """p -= lr * g"""
    cdef Kernels k = nncore_active()
    _same_length(p.shape[0], g.shape[0])
    if p.shape[0] == 0:
        return
    with nogil:
        _sgd(k, &p[0], &g[0], p.shape[0], lr)


def momentum_update(floating[::1] p, const floating[::1] g, floating[::1] v, double lr,
                    double momentum):
    """v = momentum * v - lr * g;  p += v"""
    cdef Kernels k = nncore_active()
    _same_length(p.shape[0], g.shape[0], v.shape[0])
    if p.shape[0] == 0:
        return
    with nogil:
        _momentum(k, &p[0], &g[0], &v[0], p.shape[0], lr, momentum)


def adagrad_update(floating[::1] p, const floating[::1] g, floating[::1] h, double lr,
                   double eps):
    """h += g²;  p -= lr * g / (sqrt(h) + eps)"""
    cdef Kernels k = nncore_active()
    _same_length(p.shape[0], g.shape[0], h.shape[0])
    if p.shape[0] == 0:
        return
    with nogil:
        _adagrad(k, &p[0], &g[0], &h[0], p.shape[0], lr, eps)


def rmsprop_update(floating[::1] p, const floating[::1] g, floating[::1] h, double lr,
                   double decay, double eps):
    """h = decay * h + (1 - decay) * g²;  p -= lr * g / (sqrt(h) + eps)"""
    cdef Kernels k = nncore_active()
    _same_length(p.shape[0], g.shape[0], h.shape[0])
    if p.shape[0] == 0:
        return
    with nogil:
        _rmsprop(k, &p[0], &g[0], &h[0], p.shape[0], lr, decay, eps)


def adam_update(floating[::1] p, const floating[::1] g, floating[::1] m, floating[::1] v,
                double lr_t, double beta1, double beta2, double eps):
    """m += (1 - beta1)(g - m);  v += (1 - beta2)(g² - v);  p -= lr_t m / (sqrt(v) + eps)

    The last line in float64, rounded to p's dtype (as the twin's float64 lr_t makes it).
    """
    cdef Kernels k = nncore_active()
    _same_length(p.shape[0], g.shape[0], m.shape[0], v.shape[0])
    if p.shape[0] == 0:
        return
    with nogil:
        _adam(k, &p[0], &g[0], &m[0], &v[0], p.shape[0], lr_t, beta1, beta2, eps)


def rank1_update(floating[:, ::1] W, const floating[::1] d, const floating[::1] x, double lr):
    """W += lr * outer(d, x): each product d[i] * x[j] rounded, times lr, added

    One pass over W (the twin's three: the outer product, its scaling, the sum),
    with the twin's roundings; d and x never overlap W."""
    cdef Kernels k = nncore_active()
    if d.shape[0] != W.shape[0] or x.shape[0] != W.shape[1]:
        raise ValueError(f"W is {W.shape[0]} x {W.shape[1]} but d holds {d.shape[0]} values "
                         f"and x {x.shape[0]}")
    if W.shape[0] == 0 or W.shape[1] == 0:
        return
    with nogil:
        _rank1(k, &W[0, 0], &d[0], &x[0], W.shape[0], W.shape[1], lr)


# ---------------------------------------------------------------- threads



def set_num_threads(int n):
    """Threads for predict and the training step (from 32 rows; 1: never start threads)."""
    global _num_threads
    _num_threads = n if nncore_openmp else 1


def get_num_threads():
    """Threads predict and the training step may use (from 32 rows)."""
    return _num_threads



# ---------------------------------------------------------------- instruction-set levels

# Levels by number (_kernels_simd.h); the baseline is SSE2 on x86-64, NEON on aarch64.
SIMD_LEVELS = ("baseline", "avx2", "avx512")


def _baseline_name():
    return nncore_kernel_table(NNCORE_BASELINE).name.decode("ascii")


def simd_compiled():
    """The levels compiled into this build, lowest first."""
    return [SIMD_LEVELS[l] for l in range(NNCORE_N_LEVELS) if nncore_kernel_table(l) != NULL]


def simd_supported():
    """The compiled levels this CPU and its operating system support, lowest first."""
    cdef int mask = nncore_cpu_levels()
    return [name for l, name in enumerate(SIMD_LEVELS)
            if nncore_kernel_table(l) != NULL and (mask >> l) & 1]


def simd_level():
    """The level the kernels run at now ("baseline", "avx2" or "avx512")."""
    return SIMD_LEVELS[nncore_active().level]


def simd_describe():
    """The running level as shown to users: e.g. "avx2", "sse2 (baseline)"."""
    name = nncore_active().name.decode("ascii")
    return name if nncore_active().level != NNCORE_BASELINE else f"{name} (baseline)"


def select_simd(request):
    """Run the kernels at the level ``request``: "auto" (the best the CPU and OS
    support), "baseline" (or its own name, "sse2" on x86-64, "neon" on
    aarch64), "avx2" or "avx512".  Raises ValueError, changing nothing, for an
    unknown name or a level this build or this CPU does not have.

    Not for use while another thread runs a kernel of this module: each call
    reads the level once, so a call never mixes two levels, but which one a
    concurrent call gets is not defined.
    """
    name = str(request).strip().lower() or "auto"
    supported = simd_supported()
    if name == "auto":
        name = supported[len(supported) - 1]  # (no negative indexes: wraparound is off)
    elif name == _baseline_name():
        name = "baseline"
    if name not in SIMD_LEVELS:
        raise ValueError(
            f"NNCORE_SIMD must be auto, baseline ({_baseline_name()}), avx2 or avx512; "
            f"got {request!r}")
    if name not in simd_compiled():
        raise ValueError(
            f"NNCORE_SIMD={name} is not an instruction-set level of this build "
            f"(compiled: {', '.join(simd_compiled())})")
    if name not in supported:
        raise ValueError(
            f"NNCORE_SIMD={name} but this CPU (or its operating system) does not support "
            f"it; supported here: {', '.join(supported)}")
    if nncore_use_level(SIMD_LEVELS.index(name)) != 0:
        raise ValueError(f"NNCORE_SIMD={name} could not be selected")
    return name
