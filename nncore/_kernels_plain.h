/* Dense kernels in plain C, for compilers without vector extensions.
 *
 * The same contract as _kernels_dense.h (included instead of it by
 * _kernels_level.h): the "packed" weights are W itself, and every output is
 * summed from the bias over k in order, whichever kernel computes it.
 */

static ptrdiff_t FN(packed_size)(ptrdiff_t n_in, ptrdiff_t n_out)
{
    return n_in * n_out;
}

static void FN(pack)(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t k0,
                     ptrdiff_t k1)
{
    (void)n_in;
    memcpy(Wp + k0 * n_out, W + k0 * n_out, (size_t)((k1 - k0) * n_out) * sizeof(T));
}

static void FN(row)(const T *x, const T *W, const T *b, T *out, ptrdiff_t n_in,
                    ptrdiff_t n_out)
{
    ptrdiff_t j, k;
    for (j = 0; j < n_out; j++) out[j] = b[j];
    for (k = 0; k < n_in; k++)
        for (j = 0; j < n_out; j++) out[j] = out[j] + x[k] * W[k * n_out + j];
}

static void FN(tile)(const T *x, ptrdiff_t ldx, const T *Wp, const T *b, T *out,
                     ptrdiff_t n_in, ptrdiff_t n_out, int rows)
{
    int r;
    for (r = 0; r < rows; r++) FN(row)(x + r * ldx, Wp, b, out + r * n_out, n_in, n_out);
}

static void FN(pack_narrow)(const T *W, T *Wt, ptrdiff_t n_in, ptrdiff_t n_out)
{
    (void)W, (void)Wt, (void)n_in, (void)n_out; /* tile_w reads W alone */
}

static void FN(tile_w)(const T *x, ptrdiff_t ldx, const T *W, const T *Wt, const T *b, T *out,
                       ptrdiff_t n_in, ptrdiff_t n_out, int rows)
{
    (void)Wt;
    FN(tile)(x, ldx, W, b, out, n_in, n_out, rows);
}

static ptrdiff_t FN(packed_pad_size)(ptrdiff_t n_in, ptrdiff_t n_out)
{
    return n_in * n_out;
}

static void FN(pack_pad)(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out)
{
    memcpy(Wp, W, (size_t)(n_in * n_out) * sizeof(T));
}

/* out (rows x n_out) = x^T @ W, x (n_in x rows, row stride ldx): from zero over k */
static void FN(tile_t)(const T *x, ptrdiff_t ldx, const T *Wp, T *out, ptrdiff_t n_in,
                       ptrdiff_t n_out, ptrdiff_t rows)
{
    ptrdiff_t r, j, k;
    for (r = 0; r < rows; r++) {
        T *o = out + r * n_out;
        for (j = 0; j < n_out; j++) o[j] = 0;
        for (k = 0; k < n_in; k++)
            for (j = 0; j < n_out; j++) o[j] = o[j] + x[k * ldx + r] * Wp[k * n_out + j];
    }
}
