"""Compiled kernels of nncore: the same contract as ``nncore/_kernels_py.py``.

Every function here trusts its caller (``nncore/_validation.py`` and the public
modules): arrays are C-contiguous, of one float dtype (float32 or float64), of
matching shapes, and ``out`` never partially overlaps an input (it may *be* the
input for the elementwise kernels and softmax).  Nothing here raises on data:
the loops run without the GIL and without bounds checks (unless built with
``NNCORE_CYTHON_DEBUG=1``).

float32 is computed in float32 (``expf``, ``tanhf``); float64 in float64.
"""
from cython cimport floating
from libc.math cimport exp, expf, tanh, tanhf

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

cdef extern from "nncore_dense.h" nogil:
    int NNCORE_RB
    void nncore_block_d(const double *x, Py_ssize_t ldx, const double *W, const double *b,
                        double *out, Py_ssize_t n_in, Py_ssize_t n_out)
    void nncore_block_f(const float *x, Py_ssize_t ldx, const float *W, const float *b,
                        float *out, Py_ssize_t n_in, Py_ssize_t n_out)

BUILD_INFO = {
    "debug": bool(nncore_debug_build),
    "cflags": nncore_cflags.decode("ascii", "replace"),
    "compiler": nncore_compiler.decode("ascii", "replace"),
}

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


# ---------------------------------------------------------------- scalar helpers

cdef inline floating _exp(floating v) noexcept nogil:
    if floating is float:
        return expf(v)
    else:
        return exp(v)


cdef inline floating _tanh1(floating v) noexcept nogil:
    if floating is float:
        return tanhf(v)
    else:
        return tanh(v)


cdef inline floating _sigmoid1(floating v) noexcept nogil:
    # Overflow-safe: exp is only ever taken of a non-positive number.
    cdef floating e
    if v >= 0:
        return 1 / (1 + _exp(-v))
    e = _exp(v)             # NaN lands here and stays NaN
    return e / (1 + e)


cdef inline floating _step1(floating v) noexcept nogil:
    # 1 for v > 0, 0 for v <= 0 (so step(0) == 0, as in the book), NaN stays NaN.
    if v > 0:
        return 1
    if v != v:
        return v
    return 0


cdef inline floating _relu1(floating v) noexcept nogil:
    # max(v, 0) with NaN propagated and relu(-0.0) == +0.0.
    if v > 0:
        return v
    if v != v:
        return v
    return 0


# ---------------------------------------------------------------- row helpers

cdef void _softmax_row(const floating *src, floating *dst, Py_ssize_t m) noexcept nogil:
    """softmax of one row; dst may be src.  A row holding NaN or +inf becomes NaN."""
    cdef Py_ssize_t j
    cdef floating mx, e, total = 0
    if m == 0:
        return
    mx = src[0]
    for j in range(1, m):
        if src[j] > mx:
            mx = src[j]
    for j in range(m):
        e = _exp(src[j] - mx)
        dst[j] = e
        total = total + e
    for j in range(m):
        dst[j] = dst[j] / total


cdef void _activate(int act, floating *row, Py_ssize_t m) noexcept nogil:
    """Apply activation ``act`` to ``m`` contiguous values in place."""
    cdef Py_ssize_t j
    if act == ACT_SIGMOID:
        for j in range(m):
            row[j] = _sigmoid1(row[j])
    elif act == ACT_RELU:
        for j in range(m):
            row[j] = _relu1(row[j])
    elif act == ACT_TANH:
        for j in range(m):
            row[j] = _tanh1(row[j])
    elif act == ACT_STEP:
        for j in range(m):
            row[j] = _step1(row[j])
    elif act == ACT_SOFTMAX:
        _softmax_row(row, row, m)


cdef void _dense_rows(const floating *x, const floating *W, const floating *b,
                      floating *out, Py_ssize_t n, Py_ssize_t n_in, Py_ssize_t n_out,
                      int act) noexcept nogil:
    """out[i, :] = act(x[i, :] @ W + b) for n rows; W is (n_in, n_out), C order.

    Blocks of rows go through the register-blocked C kernel; leftover rows
    (and single samples) add one scaled row of W per input value to the bias (a
    contiguous, vectorisable inner loop).  Either way the sum runs over k in
    order, and the activation is applied while the row is hot in cache.
    """
    cdef Py_ssize_t i = 0, j, k, r
    cdef floating xv
    cdef floating *orow
    cdef const floating *xrow
    cdef const floating *wrow
    # blocks of NNCORE_RB rows: register-blocked, each row of W loaded once per block
    while i + NNCORE_RB <= n:
        if floating is double:
            nncore_block_d(x + i * n_in, n_in, W, b, out + i * n_out, n_in, n_out)
        else:
            nncore_block_f(x + i * n_in, n_in, W, b, out + i * n_out, n_in, n_out)
        for r in range(NNCORE_RB):
            _activate(act, out + (i + r) * n_out, n_out)
        i += NNCORE_RB
    # the remaining rows (all of them for a single sample): one row at a time
    while i < n:
        orow = out + i * n_out
        xrow = x + i * n_in
        for j in range(n_out):
            orow[j] = b[j]
        for k in range(n_in):
            xv = xrow[k]
            wrow = W + k * n_out
            for j in range(n_out):
                orow[j] = orow[j] + xv * wrow[j]
        _activate(act, orow, n_out)
        i += 1


# ---------------------------------------------------------------- kernels

def activate(const floating[::1] x, int act, floating[::1] out):
    """out[:] = act(x) elementwise (any code but softmax); out may be x.

    step: 1 where x > 0, 0 where x <= 0; sigmoid: 1 / (1 + exp(-x)) without
    overflow; relu: max(x, 0).  NaN stays NaN in every activation.
    """
    cdef Py_ssize_t i, n = x.shape[0]
    if n == 0:
        return
    with nogil:
        if &out[0] != &x[0]:
            for i in range(n):
                out[i] = x[i]
        _activate(act, &out[0], n)


def softmax_rows(const floating[:, ::1] x, floating[:, ::1] out):
    """Row-wise softmax of a 2-D array (max subtracted first)."""
    cdef Py_ssize_t i, n = x.shape[0], m = x.shape[1]
    if n == 0 or m == 0:
        return
    with nogil:
        for i in range(n):
            _softmax_row(&x[i, 0], &out[i, 0], m)


def dense(const floating[:, ::1] x, const floating[:, ::1] W, const floating[::1] b,
          int act, floating[:, ::1] out):
    """out = act(x @ W + b) in one pass over the output rows."""
    cdef Py_ssize_t n = x.shape[0], n_in = W.shape[0], n_out = W.shape[1]
    cdef Py_ssize_t i, j
    if n == 0 or n_out == 0:
        return
    if n_in == 0:
        # x @ W is all zeros: the output is the bias, then the activation
        with nogil:
            for i in range(n):
                for j in range(n_out):
                    out[i, j] = b[j]
                _activate(act, &out[i, 0], n_out)
        return
    with nogil:
        _dense_rows(&x[0, 0], &W[0, 0], &b[0], &out[0, 0], n, n_in, n_out, act)


def affine(const floating[:, ::1] x, const floating[:, ::1] W, const floating[::1] b,
           floating[:, ::1] out):
    """out = x @ W + b"""
    dense(x, W, b, ACT_IDENTITY, out)


# ---------------------------------------------------------------- whole network

from libc.stdlib cimport malloc, free

cdef enum:
    # Rows pushed through all layers together: small enough that the two
    # ping-pong workspaces stay in L1/L2, large enough to reuse each weight row.
    FORWARD_CHUNK = 64


cdef void _forward(const floating *x, floating *out, Py_ssize_t n,
                   const floating **Ws, const floating **bs, const Py_ssize_t *sizes,
                   const int *acts, int n_layers, int out_act, floating *work,
                   Py_ssize_t stride) noexcept nogil:
    """Push n rows of x through every layer; the last layer writes into out.

    sizes holds n_layers + 1 widths; work holds two buffers of ``stride`` values.
    """
    cdef Py_ssize_t r0, rows, r
    cdef int l
    cdef const floating *src
    cdef floating *dst
    cdef Py_ssize_t chunk = FORWARD_CHUNK
    r0 = 0
    while r0 < n:
        rows = n - r0 if n - r0 < chunk else chunk
        src = x + r0 * sizes[0]
        for l in range(n_layers):
            if l == n_layers - 1:
                dst = out + r0 * sizes[n_layers]
            else:
                dst = work + (l % 2) * stride
            _dense_rows(src, Ws[l], bs[l], dst, rows, sizes[l], sizes[l + 1], acts[l])
            src = dst
        if out_act != ACT_IDENTITY:
            for r in range(rows):
                _activate(out_act, out + (r0 + r) * sizes[n_layers], sizes[n_layers])
        r0 += rows


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

    def __cinit__(self, list Ws, list bs, list acts, int out_act):
        cdef Py_ssize_t l, n = len(Ws)
        self.n_layers = <int>n
        self.out_act = out_act
        self.double_precision = Ws[0].dtype.itemsize == 8
        self._arrays = list(Ws) + list(bs)
        self.Ws = <const void **>malloc(n * sizeof(void *))
        self.bs = <const void **>malloc(n * sizeof(void *))
        self.sizes = <Py_ssize_t *>malloc((n + 1) * sizeof(Py_ssize_t))
        self.acts = <int *>malloc(n * sizeof(int))
        if not (self.Ws and self.bs and self.sizes and self.acts):
            raise MemoryError()
        self.sizes[0] = Ws[0].shape[0]
        self.max_width = 1
        for l in range(n):
            self.Ws[l] = _data(Ws[l], self.double_precision)
            self.bs[l] = _data(bs[l], self.double_precision)
            self.sizes[l + 1] = Ws[l].shape[1]
            self.acts[l] = acts[l]
            if l < n - 1 and self.sizes[l + 1] > self.max_width:
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

    cdef _run_d(self, const double[:, ::1] x, double[:, ::1] out):
        self._run(x, out)

    cdef _run_f(self, const float[:, ::1] x, float[:, ::1] out):
        self._run(x, out)

    cdef _run(self, const floating[:, ::1] x, floating[:, ::1] out):
        cdef Py_ssize_t n = x.shape[0]
        cdef Py_ssize_t rows = n if n < FORWARD_CHUNK else FORWARD_CHUNK
        cdef Py_ssize_t stride = rows * self.max_width
        cdef floating *work
        cdef const floating *xp = NULL
        if n == 0 or out.shape[1] == 0:
            return
        if x.shape[1]:
            xp = &x[0, 0]
        work = <floating *>malloc(2 * stride * sizeof(floating))
        if work == NULL:
            raise MemoryError()
        with nogil:
            _forward(xp, &out[0, 0], n, <const floating **>self.Ws,
                     <const floating **>self.bs, self.sizes, self.acts, self.n_layers,
                     self.out_act, work, stride)
        free(work)
