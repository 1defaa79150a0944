/* Sigmoid and softmax's exp loop for one element type T at one level.
 *
 * A template body: _kernels_level.h includes it once per type with T, FN(name)
 * and EXP_NONPOS (nncore_exp_nonpos_d or _f, _kernels_exp.h) defined.  The
 * loops are branch-free, so the compiler vectorises them at the level's width.
 */

/* v[i] = 1 / (1 + exp(-v[i])), computed as e / (1 + e) for negative v[i] */
static void FN(sigmoid)(T *v, ptrdiff_t n)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        const T x = v[i];
        const T e = EXP_NONPOS(x >= 0 ? -x : x);
        v[i] = (x >= 0 ? (T)1 : e) / ((T)1 + e);
    }
}

/* dst[j] = exp(src[j] - shift); returns the sum, added in index order */
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
