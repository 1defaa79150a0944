/* Dense kernels for out = x @ W + b: W is (n_in, n_out) C order, x rows have
 * stride ldx, out is C order.
 *
 * Builds with GCC or Clang use the vector kernels further down (packed tiles for
 * blocks of rows, a one-row kernel for the rest).  Other compilers, and layers
 * with no inputs or outputs, use the scalar loops below: nncore_block_* for
 * blocks of NNCORE_RB rows and the plain nncore_row_* at the end.  Either way
 * every kernel of a build sums in the same order, so a row's result does not
 * depend on how rows are grouped.
 */
#ifndef NNCORE_DENSE_H
#define NNCORE_DENSE_H

#include <stddef.h>
#include <string.h>

#define NNCORE_RB 4

/* out rows [0, NNCORE_RB) = x rows @ W + b, each sum over k in order from the bias */
#define NNCORE_DEFINE_BLOCK_SCALAR(T, SUFFIX)                                        \
static void nncore_block_##SUFFIX(const T *x, ptrdiff_t ldx, const T *W,             \
                                  const T *b, T *out, ptrdiff_t n_in,                \
                                  ptrdiff_t n_out)                                   \
{                                                                                    \
    ptrdiff_t j, k;                                                                  \
    for (j = 0; j < n_out; j++) {                                                    \
        T a0 = b[j], a1 = b[j], a2 = b[j], a3 = b[j];                                \
        for (k = 0; k < n_in; k++) {                                                 \
            const T w = W[k * n_out + j];                                            \
            a0 += x[k] * w;                                                          \
            a1 += x[ldx + k] * w;                                                    \
            a2 += x[2 * ldx + k] * w;                                                \
            a3 += x[3 * ldx + k] * w;                                                \
        }                                                                            \
        out[j] = a0;                                                                 \
        out[n_out + j] = a1;                                                         \
        out[2 * n_out + j] = a2;                                                     \
        out[3 * n_out + j] = a3;                                                     \
    }                                                                                \
}

NNCORE_DEFINE_BLOCK_SCALAR(double, d)
NNCORE_DEFINE_BLOCK_SCALAR(float, f)

#if defined(__GNUC__) || defined(__clang__)

/* One vector register of the build's target: AVX-512, AVX or SSE2 width. */
#if defined(__AVX512F__)
#define NNCORE_VBYTES 64
#elif defined(__AVX__)
#define NNCORE_VBYTES 32
#else
#define NNCORE_VBYTES 16
#endif

/* Vectors that may sit at any element-aligned address and alias their elements. */
typedef double nncore_vd __attribute__((vector_size(NNCORE_VBYTES), aligned(8), may_alias));
typedef float nncore_vf __attribute__((vector_size(NNCORE_VBYTES), aligned(4), may_alias));

/* Unaligned loads and stores as plain assignments (not memcpy: with generic
 * tuning GCC splits a memcpy'd 32-byte vector into halves through the stack,
 * which stalls store forwarding on every load). */
#define NNCORE_LOAD(dst, src) ((dst) = *(const __typeof__(dst) *)(const void *)(src))
#define NNCORE_STORE(dst, src) (*(__typeof__(src) *)(void *)(dst) = (src))

/* ------------------------------------------------------------------ column split
 *
 * The kernels below split W's columns in two.  The first n_main = n_out - n_out % L
 * ("main" columns, L = lanes of a vector) are a whole number of vectors: their
 * sums start from the bias and run over k in order, one lane per column.  The
 * last n_out % L ("narrow" columns) would fill a vector only partly, so they are
 * dot products instead: lane l sums x[k] * W[k, j] for k = l, l + L, l + 2L, ...
 * (the last, partial vector of k zero-padded); the lanes are then added
 * pairwise and their sum added to the bias (nncore_hsum).  Every kernel follows
 * this split and these orders, so a row's result does not depend on which kernel
 * computed it.
 */
#define NNCORE_PACKED 1
/* Rows of a packed tile, and of the half tile that takes leftover rows. */
#if defined(__AVX512F__)
#define NNCORE_PRB 8
#define NNCORE_DEFINE_PACKED(T, V, SUFFIX) NNCORE_DEFINE_PACKED_ROWS(T, V, SUFFIX, 8, 4)
#else
#define NNCORE_PRB 4
#define NNCORE_DEFINE_PACKED(T, V, SUFFIX) NNCORE_DEFINE_PACKED_ROWS(T, V, SUFFIX, 4, 2)
#endif

/* b + the lanes of acc, added pairwise: lane l += lane l + w for w = L/2, L/4, .. 1 */
#define NNCORE_DEFINE_HSUM(T, V, SUFFIX)                                             \
static inline T nncore_hsum_##SUFFIX(T b, V acc)                                     \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    T t[L];                                                                          \
    int l, w;                                                                        \
    NNCORE_STORE(t, acc);                                                            \
    for (w = L / 2; w > 0; w /= 2)                                                   \
        for (l = 0; l < w; l++) t[l] += t[l + w];                                    \
    return b + t[0];                                                                 \
}

NNCORE_DEFINE_HSUM(double, nncore_vd, d)
NNCORE_DEFINE_HSUM(float, nncore_vf, f)

/* ------------------------------------------------------------------ packed panels
 *
 * For blocks of NNCORE_PRB rows (and one block of half as many for the rows
 * left over), W is first copied into panels: each run of up
 * to 3 vectors of main columns becomes a panel holding W[k, j0 .. j0+P) for
 * every k, contiguous; each narrow column becomes a row of W's transpose,
 * zero-padded to a whole number of vectors.  The kernels then read W strictly
 * sequentially and (with AVX-512's 32 registers) keep a tile of 8 rows x 3
 * vectors in registers.
 */
#define NNCORE_DEFINE_PACKED_ROWS(T, V, SUFFIX, FULL, HALF)                          \
static ptrdiff_t nncore_packed_size_##SUFFIX(ptrdiff_t n_in, ptrdiff_t n_out)        \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const ptrdiff_t n_main = n_out / L * L, kpad = (n_in + L - 1) / L * L;           \
    return n_in * n_main + (n_out - n_main) * kpad;                                  \
}                                                                                    \
static void nncore_pack_##SUFFIX(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out) \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const ptrdiff_t n_main = n_out / L * L, kpad = (n_in + L - 1) / L * L;           \
    ptrdiff_t j0, j, k, c;                                                           \
    for (j0 = 0; j0 < n_main; ) {                                                    \
        const ptrdiff_t P = (n_main - j0 < 3 * L ? n_main - j0 : 3 * L);             \
        for (k = 0; k < n_in; k++, Wp += P)                                          \
            for (c = 0; c < P; c++) Wp[c] = W[k * n_out + j0 + c];                   \
        j0 += P;                                                                     \
    }                                                                                \
    for (j = n_main; j < n_out; j++, Wp += kpad)                                     \
        for (k = 0; k < kpad; k++) Wp[k] = k < n_in ? W[k * n_out + j] : 0;          \
}                                                                                    \
NNCORE_DEFINE_PACKED_BLOCK(T, V, SUFFIX, FULL)                                      \
NNCORE_DEFINE_PACKED_BLOCK(T, V, SUFFIX, HALF)                                      \
/* out rows [0, rows) = x rows @ W + b, W packed by nncore_pack; rows is       */ \
/* NNCORE_PRB or half of it, and a row's result is the same either way        */ \
static void nncore_block_packed_##SUFFIX(const T *x, ptrdiff_t ldx, const T *Wp,     \
                                         const T *b, T *out, ptrdiff_t n_in,         \
                                         ptrdiff_t n_out, int rows)                  \
{                                                                                    \
    if (rows == FULL)                                                                \
        nncore_block_r##FULL##_##SUFFIX(x, ldx, Wp, b, out, n_in, n_out);            \
    else                                                                             \
        nncore_block_r##HALF##_##SUFFIX(x, ldx, Wp, b, out, n_in, n_out);            \
}

/* RR rows of out = x rows @ W + b, W packed by nncore_pack */
#define NNCORE_DEFINE_PACKED_BLOCK(T, V, SUFFIX, RR)                                 \
NNCORE_DEFINE_PACKED_PANEL(T, V, SUFFIX, 1, RR)                                      \
NNCORE_DEFINE_PACKED_PANEL(T, V, SUFFIX, 2, RR)                                      \
NNCORE_DEFINE_PACKED_PANEL(T, V, SUFFIX, 3, RR)                                      \
NNCORE_DEFINE_PACKED_NARROW(T, V, SUFFIX, 1, RR)                                     \
NNCORE_DEFINE_PACKED_NARROW(T, V, SUFFIX, 2, RR)                                     \
static void nncore_block_r##RR##_##SUFFIX(const T *x, ptrdiff_t ldx, const T *Wp,    \
                                          const T *b, T *out, ptrdiff_t n_in,        \
                                          ptrdiff_t n_out)                           \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const ptrdiff_t n_main = n_out / L * L, kpad = (n_in + L - 1) / L * L;           \
    ptrdiff_t j0 = 0;                                                                \
    while (j0 < n_main) {                                                            \
        const ptrdiff_t nv = (n_main - j0) / L;                                      \
        switch (nv < 3 ? nv : 3) {                                                   \
        case 1: nncore_panel1_r##RR##_##SUFFIX(x, ldx, Wp, b, out, n_in, n_out, j0); break;  \
        case 2: nncore_panel2_r##RR##_##SUFFIX(x, ldx, Wp, b, out, n_in, n_out, j0); break;  \
        default: nncore_panel3_r##RR##_##SUFFIX(x, ldx, Wp, b, out, n_in, n_out, j0); break; \
        }                                                                            \
        Wp += n_in * (nv < 3 ? nv : 3) * L;                                          \
        j0 += (nv < 3 ? nv : 3) * L;                                                 \
    }                                                                                \
    if (j0 < n_out) {                                                                \
        /* each row's last, partial vector of k, zero-padded once for all columns */ \
        const ptrdiff_t kf = n_in / L * L;                                           \
        V xt[RR];                                                                    \
        int r;                                                                       \
        for (r = 0; r < RR; r++) {                                                   \
            T u[L];                                                                  \
            ptrdiff_t l;                                                             \
            for (l = 0; l < L; l++) u[l] = kf + l < n_in ? x[r * ldx + kf + l] : 0;  \
            NNCORE_LOAD(xt[r], u);                                                   \
        }                                                                            \
        for (; j0 + 1 < n_out; j0 += 2, Wp += 2 * kpad)                              \
            nncore_narrow2_r##RR##_##SUFFIX(x, ldx, Wp, kpad, b, out, n_in, n_out, j0, xt);  \
        if (j0 < n_out)                                                              \
            nncore_narrow1_r##RR##_##SUFFIX(x, ldx, Wp, kpad, b, out, n_in, n_out, j0, xt);  \
    }                                                                                \
}

/* RR rows x NV vectors of main columns from j0, on a packed panel */
#define NNCORE_DEFINE_PACKED_PANEL(T, V, SUFFIX, NV, RR)                             \
static void nncore_panel##NV##_r##RR##_##SUFFIX(const T *x, ptrdiff_t ldx, const T *Wp, \
                                        const T *b, T *out, ptrdiff_t n_in,          \
                                        ptrdiff_t n_out, ptrdiff_t j0)               \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)), P = NV * L, R = RR };                   \
    V acc[R][NV];                                                                    \
    ptrdiff_t k;                                                                     \
    int r, v;                                                                        \
    _Pragma("GCC unroll 8")                                                          \
    for (r = 0; r < R; r++) {                                                        \
        _Pragma("GCC unroll 4")                                                      \
        for (v = 0; v < NV; v++) NNCORE_LOAD(acc[r][v], b + j0 + v * L);             \
    }                                                                                \
    for (k = 0; k < n_in; k++) {                                                     \
        V w[NV];                                                                     \
        _Pragma("GCC unroll 4")                                                      \
        for (v = 0; v < NV; v++) NNCORE_LOAD(w[v], Wp + k * P + v * L);              \
        _Pragma("GCC unroll 8")                                                      \
        for (r = 0; r < R; r++) {                                                    \
            const T xv = x[r * ldx + k];                                             \
            _Pragma("GCC unroll 4")                                                  \
            for (v = 0; v < NV; v++) acc[r][v] += xv * w[v];                         \
        }                                                                            \
    }                                                                                \
    _Pragma("GCC unroll 8")                                                          \
    for (r = 0; r < R; r++) {                                                        \
        _Pragma("GCC unroll 4")                                                      \
        for (v = 0; v < NV; v++) NNCORE_STORE(out + r * n_out + j0 + v * L, acc[r][v]); \
    }                                                                                \
}

/* RR rows x NC narrow columns from j0, on packed rows of W's transpose */
#define NNCORE_DEFINE_PACKED_NARROW(T, V, SUFFIX, NC, RR)                            \
static void nncore_narrow##NC##_r##RR##_##SUFFIX(const T *x, ptrdiff_t ldx, const T *Wt, \
                                         ptrdiff_t kpad, const T *b, T *out,         \
                                         ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t j0, \
                                         const V *xt)                                \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)), R = RR };                               \
    const ptrdiff_t kf = n_in / L * L;                                               \
    const T zero[L] = {0};                                                           \
    V acc[R][NC], w[NC];                                                             \
    ptrdiff_t k;                                                                     \
    int r, c;                                                                        \
    _Pragma("GCC unroll 8")                                                          \
    for (r = 0; r < R; r++)                                                          \
        for (c = 0; c < NC; c++) NNCORE_LOAD(acc[r][c], zero);                       \
    for (k = 0; k < kf; k += L) {                                                    \
        for (c = 0; c < NC; c++) NNCORE_LOAD(w[c], Wt + c * kpad + k);               \
        _Pragma("GCC unroll 8")                                                      \
        for (r = 0; r < R; r++) {                                                    \
            V xv;                                                                    \
            NNCORE_LOAD(xv, x + r * ldx + k);                                        \
            for (c = 0; c < NC; c++) acc[r][c] += xv * w[c];                         \
        }                                                                            \
    }                                                                                \
    if (kf < n_in) {                                                                 \
        for (c = 0; c < NC; c++) NNCORE_LOAD(w[c], Wt + c * kpad + kf);              \
        _Pragma("GCC unroll 8")                                                      \
        for (r = 0; r < R; r++)                                                      \
            for (c = 0; c < NC; c++) acc[r][c] += xt[r] * w[c];                      \
    }                                                                                \
    for (r = 0; r < R; r++)                                                          \
        for (c = 0; c < NC; c++)                                                     \
            out[r * n_out + j0 + c] = nncore_hsum_##SUFFIX(b[j0 + c], acc[r][c]);    \
}

NNCORE_DEFINE_PACKED(double, nncore_vd, d)
NNCORE_DEFINE_PACKED(float, nncore_vf, f)

/* ------------------------------------------------------------------ one row
 *
 * out = x @ W + b for a single row (a lone sample, or rows left over after the
 * blocks), on W as it is.  Main columns: a panel of up to 8 vectors, as many as
 * the columns left need, accumulated in registers over all of k, so a narrow
 * layer is one pass over W.  Narrow columns: one vector over all of them per k
 * (lanes past n_out discarded), into L accumulators taken in turn, so that
 * accumulator l holds what lane l of the packed kernel's dot product holds.
 * They ride along in the last main panel's pass, while W's row is in cache.
 */

/* a[v] += xv * (the NV vectors at wk): one row of W into a panel's accumulators */
#define NNCORE_PANEL_STEP(T, V, NV, a, wk, xv)                                       \
    do {                                                                             \
        enum { L_ = (int)(sizeof(V) / sizeof(T)) };                                  \
        int v_;                                                                      \
        _Pragma("GCC unroll 8")                                                      \
        for (v_ = 0; v_ < (NV); v_++) {                                              \
            V wv_;                                                                   \
            NNCORE_LOAD(wv_, (wk) + v_ * L_);                                        \
            (a)[v_] += (xv) * wv_;                                                   \
        }                                                                            \
    } while (0)

#define NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, NV)                                    \
static void nncore_row_panel##NV##_##SUFFIX(const T *x, const T *W, const T *b,      \
                                            T *out, ptrdiff_t n_in, ptrdiff_t n_out, \
                                            ptrdiff_t j0, V *narrow)                 \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const ptrdiff_t jn = j0 + NV * L, rem = n_out - jn, total = n_in * n_out;        \
    ptrdiff_t k = 0, c;                                                              \
    int v, l;                                                                        \
    V a[NV], acc[L];                                                                 \
    T t[L];                                                                          \
    _Pragma("GCC unroll 8")                                                          \
    for (v = 0; v < NV; v++) NNCORE_LOAD(a[v], b + j0 + v * L);                      \
    if (narrow) {                                                                    \
        _Pragma("GCC unroll 16")                                                     \
        for (l = 0; l < L; l++) acc[l] = narrow[l];                                  \
        /* blocks of L rows whose narrow loads stay inside W */                      \
        for (; k + L <= n_in && (k + L - 1) * n_out + jn + L <= total; k += L) {     \
            const T *wk = W + k * n_out + j0;                                        \
            _Pragma("GCC unroll 16")                                                 \
            for (l = 0; l < L; l++, wk += n_out) {                                   \
                const T xv = x[k + l];                                               \
                V wn;                                                                \
                NNCORE_PANEL_STEP(T, V, NV, a, wk, xv);                              \
                NNCORE_LOAD(wn, wk + NV * L);                                        \
                acc[l] += xv * wn;                                                   \
            }                                                                        \
        }                                                                            \
        /* the rest: narrow loads through a zero-padded copy */                      \
        for (; k < n_in; k += L) {                                                   \
            _Pragma("GCC unroll 16")                                                 \
            for (l = 0; l < L; l++) {                                                \
                if (k + l < n_in) {                                                  \
                    const T *wk = W + (k + l) * n_out + j0;                          \
                    const T xv = x[k + l];                                           \
                    V wn;                                                            \
                    NNCORE_PANEL_STEP(T, V, NV, a, wk, xv);                          \
                    for (c = 0; c < L; c++) t[c] = c < rem ? wk[NV * L + c] : 0;     \
                    NNCORE_LOAD(wn, t);                                              \
                    acc[l] += xv * wn;                                               \
                }                                                                    \
            }                                                                        \
        }                                                                            \
        _Pragma("GCC unroll 16")                                                     \
        for (l = 0; l < L; l++) narrow[l] = acc[l];                                  \
    } else {                                                                         \
        for (; k < n_in; k++) {                                                      \
            const T *wk = W + k * n_out + j0;                                        \
            const T xv = x[k];                                                       \
            NNCORE_PANEL_STEP(T, V, NV, a, wk, xv);                                  \
        }                                                                            \
    }                                                                                \
    _Pragma("GCC unroll 8")                                                          \
    for (v = 0; v < NV; v++) NNCORE_STORE(out + j0 + v * L, a[v]);                   \
}

#define NNCORE_DEFINE_ROW(T, V, SUFFIX)                                              \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 1)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 2)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 3)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 4)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 5)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 6)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 7)                                             \
NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, 8)                                             \
static void nncore_row_##SUFFIX(const T *x, const T *W, const T *b, T *out,          \
                                ptrdiff_t n_in, ptrdiff_t n_out)                     \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const ptrdiff_t n_main = n_out / L * L, total = n_in * n_out;                    \
    const T zero[L] = {0};                                                           \
    ptrdiff_t j0 = 0, k, c;                                                          \
    int l;                                                                           \
    V acc[L];                                                                        \
    T t[L];                                                                          \
    _Pragma("GCC unroll 16")                                                         \
    for (l = 0; l < L; l++) NNCORE_LOAD(acc[l], zero);                               \
    while (j0 < n_main) {                                                            \
        const ptrdiff_t nv = (n_main - j0) / L < 8 ? (n_main - j0) / L : 8;          \
        /* the last main panel also takes the narrow columns */                      \
        V *narrow = j0 + nv * L == n_main && n_main < n_out ? acc : NULL;            \
        switch (nv) {                                                                \
        case 1: nncore_row_panel1_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 2: nncore_row_panel2_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 3: nncore_row_panel3_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 4: nncore_row_panel4_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 5: nncore_row_panel5_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 6: nncore_row_panel6_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        case 7: nncore_row_panel7_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        default: nncore_row_panel8_##SUFFIX(x, W, b, out, n_in, n_out, j0, narrow); break; \
        }                                                                            \
        j0 += nv * L;                                                                \
    }                                                                                \
    if (n_main == 0 && n_out > 0) {                                                  \
        /* narrow columns only */                                                    \
        for (k = 0; k + L <= n_in && (k + L - 1) * n_out + L <= total; k += L) {     \
            const T *wk = W + k * n_out;                                             \
            _Pragma("GCC unroll 16")                                                 \
            for (l = 0; l < L; l++, wk += n_out) {                                   \
                V wv;                                                                \
                NNCORE_LOAD(wv, wk);                                                 \
                acc[l] += x[k + l] * wv;                                             \
            }                                                                        \
        }                                                                            \
        for (; k < n_in; k += L) {                                                   \
            _Pragma("GCC unroll 16")                                                 \
            for (l = 0; l < L; l++) {                                                \
                if (k + l < n_in) {                                                  \
                    V wv;                                                            \
                    for (c = 0; c < L; c++)                                          \
                        t[c] = c < n_out ? W[(k + l) * n_out + c] : 0;               \
                    NNCORE_LOAD(wv, t);                                              \
                    acc[l] += x[k + l] * wv;                                         \
                }                                                                    \
            }                                                                        \
        }                                                                            \
    }                                                                                \
    if (n_main < n_out) {                                                            \
        /* the pairwise sum of nncore_hsum, on every narrow column at once */        \
        int w;                                                                       \
        for (w = L / 2; w > 0; w /= 2)                                               \
            for (l = 0; l < w; l++) acc[l] += acc[l + w];                            \
        NNCORE_STORE(t, acc[0]);                                                     \
        for (c = n_main; c < n_out; c++) out[c] = b[c] + t[c - n_main];              \
    }                                                                                \
}

NNCORE_DEFINE_ROW(double, nncore_vd, d)
NNCORE_DEFINE_ROW(float, nncore_vf, f)
#else
#define NNCORE_PACKED 0
#define NNCORE_PRB 4
#define NNCORE_DEFINE_ROW_PLAIN(T, SUFFIX)                                           \
static void nncore_row_##SUFFIX(const T *x, const T *W, const T *b, T *out,          \
                                ptrdiff_t n_in, ptrdiff_t n_out)                     \
{                                                                                    \
    ptrdiff_t j, k;                                                                  \
    for (j = 0; j < n_out; j++) out[j] = b[j];                                       \
    for (k = 0; k < n_in; k++)                                                       \
        for (j = 0; j < n_out; j++) out[j] = out[j] + x[k] * W[k * n_out + j];       \
}
NNCORE_DEFINE_ROW_PLAIN(double, d)
NNCORE_DEFINE_ROW_PLAIN(float, f)
#endif
#endif  /* NNCORE_DENSE_H */
