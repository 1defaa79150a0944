/* Register-blocked kernel for out = x @ W + b on blocks of NNCORE_RB rows.
 *
 * x is (NNCORE_RB, n_in) with row stride ldx, W is (n_in, n_out) C order, out is
 * (NNCORE_RB, n_out) C order.  For each panel of 2 vectors of columns, the block's
 * 4 x 2 accumulators live in vector registers while k runs over the inputs, so
 * each row of W is loaded once per block of rows instead of once per row.  The
 * sum runs over k in order, exactly as the one-row loop does, so results do not
 * depend on how rows are grouped.  Columns left over after the last full panel
 * are summed the same way with scalars.
 *
 * The vectors are GCC/Clang vector extensions as wide as one register of the
 * build's target (AVX-512, AVX or SSE2).
 */
#ifndef NNCORE_DENSE_H
#define NNCORE_DENSE_H

#include <stddef.h>
#include <string.h>

#define NNCORE_RB 4

static void nncore_block_tail_d(const double *x, ptrdiff_t ldx, const double *W,
                                const double *b, double *out, ptrdiff_t n_in,
                                ptrdiff_t n_out, ptrdiff_t j0);
static void nncore_block_tail_f(const float *x, ptrdiff_t ldx, const float *W,
                                const float *b, float *out, ptrdiff_t n_in,
                                ptrdiff_t n_out, ptrdiff_t j0);

#define NNCORE_DEFINE_TAIL(T, SUFFIX)                                                \
static void nncore_block_tail_##SUFFIX(const T *x, ptrdiff_t ldx, const T *W,        \
                                       const T *b, T *out, ptrdiff_t n_in,           \
                                       ptrdiff_t n_out, ptrdiff_t j0)                \
{                                                                                    \
    ptrdiff_t j, k;                                                                  \
    for (j = j0; j < n_out; j++) {                                                   \
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

NNCORE_DEFINE_TAIL(double, d)
NNCORE_DEFINE_TAIL(float, f)

#if defined(__GNUC__) || defined(__clang__)

/* One vector register of the build's target: AVX-512, AVX or SSE2 width. */
#if defined(__AVX512F__)
#define NNCORE_VBYTES 64
#elif defined(__AVX__)
#define NNCORE_VBYTES 32
#else
#define NNCORE_VBYTES 16
#endif

typedef double nncore_vd __attribute__((vector_size(NNCORE_VBYTES), aligned(8)));
typedef float nncore_vf __attribute__((vector_size(NNCORE_VBYTES), aligned(4)));

#define NNCORE_LOAD(dst, src) memcpy(&(dst), (src), sizeof(dst))
#define NNCORE_STORE(dst, src) memcpy((dst), &(src), sizeof(src))

#define NNCORE_DEFINE_BLOCK(T, V, SUFFIX)                                            \
static void nncore_block_##SUFFIX(const T *x, ptrdiff_t ldx, const T *W,             \
                                  const T *b, T *out, ptrdiff_t n_in,                \
                                  ptrdiff_t n_out)                                   \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)) };                                       \
    const T *x0 = x, *x1 = x + ldx, *x2 = x + 2 * ldx, *x3 = x + 3 * ldx;            \
    T *o0 = out, *o1 = out + n_out, *o2 = out + 2 * n_out, *o3 = out + 3 * n_out;    \
    ptrdiff_t j0 = 0, k;                                                             \
    /* panels of two vectors: 8 accumulators */                                      \
    for (; j0 + 2 * L <= n_out; j0 += 2 * L) {                                       \
        V b0, b1, c00, c01, c10, c11, c20, c21, c30, c31;                            \
        NNCORE_LOAD(b0, b + j0);                                                     \
        NNCORE_LOAD(b1, b + j0 + L);                                                 \
        c00 = c10 = c20 = c30 = b0;                                                  \
        c01 = c11 = c21 = c31 = b1;                                                  \
        for (k = 0; k < n_in; k++) {                                                 \
            V w0, w1;                                                                \
            const T *wk = W + k * n_out + j0;                                        \
            NNCORE_LOAD(w0, wk);                                                     \
            NNCORE_LOAD(w1, wk + L);                                                 \
            c00 += x0[k] * w0; c01 += x0[k] * w1;                                    \
            c10 += x1[k] * w0; c11 += x1[k] * w1;                                    \
            c20 += x2[k] * w0; c21 += x2[k] * w1;                                    \
            c30 += x3[k] * w0; c31 += x3[k] * w1;                                    \
        }                                                                            \
        NNCORE_STORE(o0 + j0, c00); NNCORE_STORE(o0 + j0 + L, c01);                  \
        NNCORE_STORE(o1 + j0, c10); NNCORE_STORE(o1 + j0 + L, c11);                  \
        NNCORE_STORE(o2 + j0, c20); NNCORE_STORE(o2 + j0 + L, c21);                  \
        NNCORE_STORE(o3 + j0, c30); NNCORE_STORE(o3 + j0 + L, c31);                  \
    }                                                                                \
    /* one more single-vector panel */                                               \
    if (j0 + L <= n_out) {                                                           \
        V b0, c0, c1, c2, c3;                                                        \
        NNCORE_LOAD(b0, b + j0);                                                     \
        c0 = c1 = c2 = c3 = b0;                                                      \
        for (k = 0; k < n_in; k++) {                                                 \
            V w0;                                                                    \
            NNCORE_LOAD(w0, W + k * n_out + j0);                                     \
            c0 += x0[k] * w0; c1 += x1[k] * w0;                                      \
            c2 += x2[k] * w0; c3 += x3[k] * w0;                                      \
        }                                                                            \
        NNCORE_STORE(o0 + j0, c0); NNCORE_STORE(o1 + j0, c1);                        \
        NNCORE_STORE(o2 + j0, c2); NNCORE_STORE(o3 + j0, c3);                        \
        j0 += L;                                                                     \
    }                                                                                \
    nncore_block_tail_##SUFFIX(x, ldx, W, b, out, n_in, n_out, j0);                  \
}

NNCORE_DEFINE_BLOCK(double, nncore_vd, d)
NNCORE_DEFINE_BLOCK(float, nncore_vf, f)

#else  /* other compilers: the scalar loop over every column */

static void nncore_block_d(const double *x, ptrdiff_t ldx, const double *W,
                           const double *b, double *out, ptrdiff_t n_in, ptrdiff_t n_out)
{
    nncore_block_tail_d(x, ldx, W, b, out, n_in, n_out, 0);
}

static void nncore_block_f(const float *x, ptrdiff_t ldx, const float *W,
                           const float *b, float *out, ptrdiff_t n_in, ptrdiff_t n_out)
{
    nncore_block_tail_f(x, ldx, W, b, out, n_in, n_out, 0);
}

#endif
#endif

/* ------------------------------------------------------------------ packed panels
 *
 * For many rows, W is first copied into panels of NNCORE_P(T) columns: panel p
 * holds W[k, p*P .. p*P+P) for every k, contiguous and zero-padded past n_out.
 * The kernel then reads W strictly sequentially, handles the last, narrower
 * panel with the same vector code, and (with AVX-512's 32 registers) keeps a
 * tile of 8 rows x 2 vectors in registers.  Sums still run over k in order.
 */
#if defined(__GNUC__) || defined(__clang__)
#define NNCORE_PACKED 1
#if defined(__AVX512F__)
#define NNCORE_PRB 8
#else
#define NNCORE_PRB 4
#endif

#define NNCORE_DEFINE_PACKED(T, V, SUFFIX)                                           \
static ptrdiff_t nncore_packed_size_##SUFFIX(ptrdiff_t n_in, ptrdiff_t n_out)        \
{                                                                                    \
    enum { P = 2 * (int)(sizeof(V) / sizeof(T)) };                                   \
    return ((n_out + P - 1) / P) * P * n_in;                                         \
}                                                                                    \
static void nncore_pack_##SUFFIX(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out) \
{                                                                                    \
    enum { P = 2 * (int)(sizeof(V) / sizeof(T)) };                                   \
    ptrdiff_t j0, k, c;                                                              \
    for (j0 = 0; j0 < n_out; j0 += P) {                                              \
        const ptrdiff_t w = n_out - j0 < P ? n_out - j0 : P;                         \
        for (k = 0; k < n_in; k++) {                                                 \
            for (c = 0; c < w; c++) Wp[c] = W[k * n_out + j0 + c];                   \
            for (; c < P; c++) Wp[c] = 0;                                            \
            Wp += P;                                                                 \
        }                                                                            \
    }                                                                                \
}                                                                                    \
/* out rows [0, NNCORE_PRB) = x rows @ W + b, W packed by nncore_pack */             \
static void nncore_block_packed_##SUFFIX(const T *x, ptrdiff_t ldx, const T *Wp,     \
                                         const T *b, T *out, ptrdiff_t n_in,         \
                                         ptrdiff_t n_out)                            \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)), P = 2 * L, R = NNCORE_PRB };            \
    ptrdiff_t j0, k;                                                                 \
    int r, c;                                                                        \
    for (j0 = 0; j0 < n_out; j0 += P, Wp += P * n_in) {                              \
        V acc0[R], acc1[R];                                                          \
        T bias[P];                                                                   \
        const ptrdiff_t w = n_out - j0 < P ? n_out - j0 : P;                         \
        for (c = 0; c < P; c++) bias[c] = c < w ? b[j0 + c] : 0;                     \
        _Pragma("GCC unroll 8")                                                      \
        for (r = 0; r < R; r++) {                                                    \
            NNCORE_LOAD(acc0[r], bias);                                              \
            NNCORE_LOAD(acc1[r], bias + L);                                          \
        }                                                                            \
        for (k = 0; k < n_in; k++) {                                                 \
            V w0, w1;                                                                \
            NNCORE_LOAD(w0, Wp + k * P);                                             \
            NNCORE_LOAD(w1, Wp + k * P + L);                                         \
            _Pragma("GCC unroll 8")                                                  \
            for (r = 0; r < R; r++) {                                                \
                const T xv = x[r * ldx + k];                                         \
                acc0[r] += xv * w0;                                                  \
                acc1[r] += xv * w1;                                                  \
            }                                                                        \
        }                                                                            \
        if (w == P) {                                                                \
            _Pragma("GCC unroll 8")                                                  \
            for (r = 0; r < R; r++) {                                                \
                NNCORE_STORE(out + r * n_out + j0, acc0[r]);                         \
                NNCORE_STORE(out + r * n_out + j0 + L, acc1[r]);                     \
            }                                                                        \
        } else {                                                                     \
            for (r = 0; r < R; r++) {                                                \
                T tmp[P];                                                            \
                NNCORE_STORE(tmp, acc0[r]);                                          \
                NNCORE_STORE(tmp + L, acc1[r]);                                      \
                for (c = 0; c < w; c++) out[r * n_out + j0 + c] = tmp[c];            \
            }                                                                        \
        }                                                                            \
    }                                                                                \
}

NNCORE_DEFINE_PACKED(double, nncore_vd, d)
NNCORE_DEFINE_PACKED(float, nncore_vf, f)

/* ------------------------------------------------------------------ one row
 *
 * out = x @ W + b for a single row (a lone sample, or rows left over after the
 * blocks), on W as it is.  A panel of up to 8 vectors of outputs, as few as
 * cover the columns left, is accumulated in registers over all of k, so a narrow
 * layer is one pass over W with little read past its last column.  A full-vector
 * load of W[k, j0 .. j0+P) may run past the row into the next one; that stays
 * inside W except near its end, so those last rows are loaded through a
 * zero-padded copy instead.  Extra lanes are discarded.  Sums run over k in
 * order, as in the other kernels.
 */
#define NNCORE_DEFINE_ROW_PANEL(T, V, SUFFIX, NV)                                    \
static void nncore_row_panel##NV##_##SUFFIX(const T *x, const T *W, const T *b,      \
                                            T *out, ptrdiff_t n_in, ptrdiff_t n_out, \
                                            ptrdiff_t j0)                            \
{                                                                                    \
    enum { L = (int)(sizeof(V) / sizeof(T)), P = NV * L };                           \
    const ptrdiff_t w = n_out - j0 < P ? n_out - j0 : P;                             \
    const ptrdiff_t lim = n_in * n_out - j0 - P;                                     \
    const ptrdiff_t k_full = lim < 0 ? 0 : (lim / n_out + 1 < n_in ? lim / n_out + 1 : n_in); \
    ptrdiff_t k, c;                                                                  \
    int v;                                                                           \
    T tmp[P];                                                                        \
    V a[NV];                                                                         \
    for (c = 0; c < P; c++) tmp[c] = c < w ? b[j0 + c] : 0;                          \
    _Pragma("GCC unroll 8")                                                          \
    for (v = 0; v < NV; v++) NNCORE_LOAD(a[v], tmp + v * L);                         \
    for (k = 0; k < k_full; k++) {                                                   \
        const T *wk = W + k * n_out + j0;                                            \
        const T xv = x[k];                                                           \
        _Pragma("GCC unroll 8")                                                      \
        for (v = 0; v < NV; v++) {                                                   \
            V wv;                                                                    \
            NNCORE_LOAD(wv, wk + v * L);                                             \
            a[v] += xv * wv;                                                         \
        }                                                                            \
    }                                                                                \
    for (; k < n_in; k++) {                                                          \
        const T *wk = W + k * n_out + j0;                                            \
        const T xv = x[k];                                                           \
        for (c = 0; c < P; c++) tmp[c] = c < w ? wk[c] : 0;                          \
        _Pragma("GCC unroll 8")                                                      \
        for (v = 0; v < NV; v++) {                                                   \
            V wv;                                                                    \
            NNCORE_LOAD(wv, tmp + v * L);                                            \
            a[v] += xv * wv;                                                         \
        }                                                                            \
    }                                                                                \
    _Pragma("GCC unroll 8")                                                          \
    for (v = 0; v < NV; v++) NNCORE_STORE(tmp + v * L, a[v]);                        \
    for (c = 0; c < w; c++) out[j0 + c] = tmp[c];                                    \
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
    ptrdiff_t j0 = 0;                                                                \
    while (j0 < n_out) {                                                             \
        const ptrdiff_t nv = (n_out - j0 + L - 1) / L;                               \
        switch (nv < 8 ? nv : 8) {                                                   \
        case 1: nncore_row_panel1_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 2: nncore_row_panel2_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 3: nncore_row_panel3_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 4: nncore_row_panel4_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 5: nncore_row_panel5_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 6: nncore_row_panel6_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        case 7: nncore_row_panel7_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;    \
        default: nncore_row_panel8_##SUFFIX(x, W, b, out, n_in, n_out, j0); break;   \
        }                                                                            \
        j0 += (nv < 8 ? nv : 8) * L;                                                 \
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
