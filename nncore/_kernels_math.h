/* Sigmoid and softmax's exp loop for one element type T at one level.
 *
 * A template body: _kernels_level.h includes it once per type with T, FN(name)
 * and, on levels with vectors, V, VI (the integer vector of the same shape), L
 * and SPLAT defined.  Written on whole vectors, with selects instead of
 * branches, so every level runs it at its own width; the last, partial vector
 * goes through a zero-padded copy, so every element takes the same path.
 *
 * exp of a non-positive number only (sigmoid needs exp(-|x|), softmax
 * exp(x - max)), so there is no overflow to handle:
 * exp(x) = 2^k * exp(r) with k = round(x / ln 2) and |r| <= ln(2) / 2; exp(r)
 * by its Taylor polynomial (degree 13 for double, 7 for float: error about one
 * unit in the last place).  NaN stays NaN.  Results below the smallest normal
 * number (x < -708 for double, x < -87 for float) are flushed to 0.  Each
 * multiply-add of the reduction and of Horner's rule is the level's FMA: one
 * rounding on AVX2, AVX-512 and NEON, where it also halves the polynomial's chain
 * of dependent steps; two on SSE2, and there (with contraction off) the same
 * roundings as nncore_exp_nonpos_* (_kernels_exp.h), the scalar form used where
 * the compiler has no vectors.  So exp, like the dense kernels, may differ between
 * levels in the last bit, and is the same within a level whatever the vector or
 * the path.
 */
#if VBYTES

/* where mask (all ones or all zeros per lane): a, else b */
ALWAYS_INLINE V FN(select)(VI mask, V a, V b)
{
    return (V)(((VI)a & mask) | ((VI)b & ~mask));
}

/* exp of the non-positive lanes of nv (at most NV) vectors, in place, in lockstep:
 * the same operations on each vector, step by step, so that the vectors' long
 * chains of dependent operations run side by side (one chain alone waits on every
 * step's latency).  Every element takes the same operations whatever nv is, so it
 * is rounded alike. */
#define NV 4
ALWAYS_INLINE void FN(exp_nonpos_nv)(V *x, const int nv)
{
#if TYPE_IS_DOUBLE
    const V lowest = SPLAT(NNCORE_EXP_LOWEST_D), shift = SPLAT(NNCORE_EXP_SHIFT_D);
    const V log2e = SPLAT(NNCORE_EXP_LOG2E_D);
    const V ln2_hi = SPLAT(NNCORE_EXP_LN2_HI_D), ln2_lo = SPLAT(NNCORE_EXP_LN2_LO_D);
#else
    const V lowest = SPLAT(NNCORE_EXP_LOWEST_F), shift = SPLAT(NNCORE_EXP_SHIFT_F);
    const V log2e = SPLAT(NNCORE_EXP_LOG2E_F);
    const V ln2_hi = SPLAT(NNCORE_EXP_LN2_HI_F), ln2_lo = SPLAT(NNCORE_EXP_LN2_LO_F);
#endif
    VI below[NV];
    V kd[NV], r[NV], p[NV];
    int v;
#pragma GCC unroll 4
    for (v = 0; v < nv; v++) {
        below[v] = x[v] < lowest;                /* NaN compares false: stays NaN */
        const V xc = FN(select)(below[v], lowest, x[v]);
        kd[v] = FMA(shift, xc, log2e);           /* low bits hold k */
        const V k = kd[v] - shift;
        r[v] = FMA(FMA(xc, k, -ln2_hi), k, -ln2_lo);
#if TYPE_IS_DOUBLE
        p[v] = SPLAT(NNCORE_EXP_TOP_D);
#else
        p[v] = SPLAT(NNCORE_EXP_TOP_F);
#endif
    }
/* one step of Horner's rule on every vector */
#define NNCORE_EXP_STEP_NV(c) for (v = 0; v < nv; v++) p[v] = FMA(SPLAT(c), p[v], r[v]);
#if TYPE_IS_DOUBLE
    NNCORE_EXP_COEFFS_D(NNCORE_EXP_STEP_NV)
#else
    NNCORE_EXP_COEFFS_F(NNCORE_EXP_STEP_NV)
#endif
#undef NNCORE_EXP_STEP_NV
#pragma GCC unroll 4
    for (v = 0; v < nv; v++) {
#if TYPE_IS_DOUBLE
        const V scale = (V)(((VI)kd[v] + 1023) << 52);  /* 2^k, k in [-1022, 0] */
#else
        const V scale = (V)(((VI)kd[v] + 127) << 23);   /* 2^k, k in [-126, 0] */
#endif
        x[v] = FN(select)(below[v], SPLAT(0), p[v] * scale);
    }
}

ALWAYS_INLINE V FN(exp_nonpos)(V x)
{
    FN(exp_nonpos_nv)(&x, 1);
    return x;
}

/* 1 / (1 + exp(-x)), computed as e / (1 + e) with e = exp(x) for negative x */
ALWAYS_INLINE V FN(sigmoid_v)(V x)
{
    const VI nonneg = x >= SPLAT(0);             /* NaN: false, and e is NaN */
    const V e = FN(exp_nonpos)(FN(select)(nonneg, -x, x));
    return FN(select)(nonneg, SPLAT(1), e) / (SPLAT(1) + e);
}

/* v[i] = sigmoid(v[i]): NV vectors at a time in lockstep, then one at a time */
static void FN(sigmoid)(T *v, ptrdiff_t n)
{
    ptrdiff_t i;
    int u;
    for (i = 0; i + NV * L <= n; i += NV * L) {
        V x[NV], e[NV];
        VI nonneg[NV];
#pragma GCC unroll 4
        for (u = 0; u < NV; u++) {
            x[u] = FN(load)(v + i + u * L);
            nonneg[u] = x[u] >= SPLAT(0);
            e[u] = FN(select)(nonneg[u], -x[u], x[u]);
        }
        FN(exp_nonpos_nv)(e, NV);
#pragma GCC unroll 4
        for (u = 0; u < NV; u++)
            FN(store)(v + i + u * L, FN(select)(nonneg[u], SPLAT(1), e[u]) / (SPLAT(1) + e[u]));
    }
    for (; i + L <= n; i += L)
        FN(store)(v + i, FN(sigmoid_v)(FN(load)(v + i)));
    if (i < n) {
        T t[L] = {0};
        memcpy(t, v + i, (size_t)(n - i) * sizeof(T));
        FN(store)(t, FN(sigmoid_v)(FN(load)(t)));
        memcpy(v + i, t, (size_t)(n - i) * sizeof(T));
    }
}

/* dst[j] = exp(src[j] - shift) for src[j] <= shift; returns the sum, added in index order */
static T FN(exp_shifted)(const T *src, T *dst, ptrdiff_t n, T shift)
{
    const V s = SPLAT(shift);
    ptrdiff_t j;
    T total = 0;
    for (j = 0; j + NV * L <= n; j += NV * L) {
        V e[NV];
        int u;
#pragma GCC unroll 4
        for (u = 0; u < NV; u++) e[u] = FN(load)(src + j + u * L) - s;
        FN(exp_nonpos_nv)(e, NV);
#pragma GCC unroll 4
        for (u = 0; u < NV; u++) FN(store)(dst + j + u * L, e[u]);
    }
    for (; j + L <= n; j += L)
        FN(store)(dst + j, FN(exp_nonpos)(FN(load)(src + j) - s));
    if (j < n) {
        T t[L] = {0};
        memcpy(t, src + j, (size_t)(n - j) * sizeof(T));
        FN(store)(t, FN(exp_nonpos)(FN(load)(t) - s));
        memcpy(dst + j, t, (size_t)(n - j) * sizeof(T));
    }
    for (j = 0; j < n; j++)
        total += dst[j];
    return total;
}

#undef NV

#else  /* no vectors: the same formulas, one element at a time */

static void FN(sigmoid)(T *v, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        const T x = v[i];
        const T e = EXP_NONPOS(x >= 0 ? -x : x);
        v[i] = (x >= 0 ? (T)1 : e) / ((T)1 + e);
    }
}

static T FN(exp_shifted)(const T *src, T *dst, ptrdiff_t n, T shift)
{
    ptrdiff_t j;
    T total = 0;
    for (j = 0; j < n; j++)
        dst[j] = EXP_NONPOS(src[j] - shift);
    for (j = 0; j < n; j++)
        total += dst[j];
    return total;
}

#endif
