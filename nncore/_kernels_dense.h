/* Dense kernels, out = x @ W + b, for one element type at one instruction-set level.
 *
 * A template body: _kernels_level.h includes it once per type with
 *   T, V, L          the element type, its vector type and the lanes of a vector;
 *   FN(name)         name with the type's and the level's suffixes;
 *   FMA(a, x, w)     a + x * w on vectors (rounded once where the level has FMA);
 *   SPLAT(s)         a vector with s in every lane;
 *   TILE_ROWS, TILE_VECTORS, ROW_VECTORS   the level's register blocking.
 * W is (n_in, n_out) in C order, x rows have stride ldx, out is C order.
 *
 * Column split.  The first n_main = n_out - n_out % L columns ("main") are a
 * whole number of vectors: their sums start from the bias and run over k in
 * order, one lane per column.  The last n_out % L ("narrow") columns would fill
 * a vector only partly, so they are dot products instead: lane l sums
 * x[k] * W[k, j] for k = l, l + L, l + 2L, ... (the last, partial vector of k
 * zero-padded); the lanes are then added pairwise and their sum added to the
 * bias.  Every kernel below follows this split and these orders with the same
 * FMA, so a row's result does not depend on which kernel computed it.
 */

#if TILE_ROWS != 4 && TILE_ROWS != 8
#error "panel_rows() makes the rows left over from tiles of 4 or 8 rows only"
#endif

ALWAYS_INLINE V FN(load)(const T *p) { return *(const V *)(const void *)p; }
ALWAYS_INLINE void FN(store)(T *p, V v) { *(V *)(void *)p = v; }

/* b + the lanes of acc, added pairwise: lane l += lane l + w for w = L/2, L/4, .. 1 */
ALWAYS_INLINE T FN(hsum)(T b, V acc)
{
    T t[L];
    int l, w;
    FN(store)(t, acc);
    for (w = L / 2; w > 0; w /= 2)
        for (l = 0; l < w; l++) t[l] += t[l + w];
    return b + t[0];
}

/* ------------------------------------------------------------------ packed tiles
 *
 * For tiles of TILE_ROWS rows (and one tile of half as many for the rows left
 * over), W is first copied into panels: each run of up to TILE_VECTORS vectors
 * of main columns becomes a panel holding W[k, j0 .. j0 + P) for every k,
 * contiguous; each narrow column becomes a row of W's transpose, zero-padded to
 * a whole number of vectors.  The tile kernels then read W strictly in order
 * and keep TILE_ROWS x TILE_VECTORS accumulators in registers.
 */
static ptrdiff_t FN(packed_size)(ptrdiff_t n_in, ptrdiff_t n_out)
{
    const ptrdiff_t n_main = n_out / L * L, kpad = (n_in + L - 1) / L * L;
    return n_in * n_main + (n_out - n_main) * kpad;
}

/* W's columns [0, n_cols) as panels of up to TILE_VECTORS vectors (n_cols a whole
 * number of vectors; columns past n_out are zero); returns the end of the panels */
static T *FN(pack_panels)(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t n_cols)
{
    ptrdiff_t j0, k, c;
    for (j0 = 0; j0 < n_cols;) {
        const ptrdiff_t P = n_cols - j0 < TILE_VECTORS * L ? n_cols - j0 : TILE_VECTORS * L;
        const ptrdiff_t live = n_out - j0 < P ? n_out - j0 : P;
        for (k = 0; k < n_in; k++, Wp += P) {
            for (c = 0; c < live; c++) Wp[c] = W[k * n_out + j0 + c];
            for (; c < P; c++) Wp[c] = 0;
        }
        j0 += P;
    }
    return Wp;
}

/* Rows [k0, k1) of the narrow columns as rows of W's transpose, kpad long; the
 * share that ends at n_in also writes their zero padding */
static void FN(pack_narrow_rows)(const T *W, T *Wt, ptrdiff_t n_in, ptrdiff_t n_out,
                                 ptrdiff_t k0, ptrdiff_t k1)
{
    const ptrdiff_t n_main = n_out / L * L, kpad = (n_in + L - 1) / L * L;
    ptrdiff_t j, k;
    for (k = k0; k < k1; k++)
        for (j = n_main; j < n_out; j++) Wt[(j - n_main) * kpad + k] = W[k * n_out + j];
    if (k1 == n_in)
        for (j = n_main; j < n_out; j++)
            for (k = n_in; k < kpad; k++) Wt[(j - n_main) * kpad + k] = 0;
}

/* Rows [k0, k1) of W into their places in the packed layout (the main columns'
 * panels, as pack_panels lays them out, then the narrow columns' rows of W's
 * transpose); the share that ends at n_in also writes the narrow rows' zero
 * padding.  Shares of rows can be packed by different threads. */
static void FN(pack)(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t k0,
                     ptrdiff_t k1)
{
    const ptrdiff_t n_main = n_out / L * L;
    T *const narrow = Wp + n_in * n_main;
    ptrdiff_t j0, k, c;
    for (j0 = 0; j0 < n_main;) {
        const ptrdiff_t P = n_main - j0 < TILE_VECTORS * L ? n_main - j0 : TILE_VECTORS * L;
        T *q = Wp + j0 * n_in + k0 * P; /* the panels before hold n_in x j0 values */
        if (P == TILE_VECTORS * L)
            for (k = k0; k < k1; k++, q += TILE_VECTORS * L)
                for (c = 0; c < TILE_VECTORS * L; c++) q[c] = W[k * n_out + j0 + c];
        else
            for (k = k0; k < k1; k++, q += P)
                for (c = 0; c < P; c++) q[c] = W[k * n_out + j0 + c];
        j0 += P;
    }
    FN(pack_narrow_rows)(W, narrow, n_in, n_out, k0, k1);
}

/* The narrow columns alone, as pack() lays them out after the panels, at Wt: what
 * tile_w() reads besides W itself */
static void FN(pack_narrow)(const T *W, T *Wt, ptrdiff_t n_in, ptrdiff_t n_out)
{
    FN(pack_narrow_rows)(W, Wt, n_in, n_out, 0, n_in);
}

/* Values of k per block of a panel: a block of packed W (KC_BLOCK x up to
 * TILE_VECTORS vectors, 24 KiB) stays in the L1 cache while every tile of rows
 * passes over it, instead of the whole panel streaming from L2 once per tile. */
#define KC_BLOCK (24576 / (TILE_VECTORS * VBYTES))

/* A vector of the first n lanes of p, the rest zero; and its store. */
ALWAYS_INLINE V FN(load_part)(const T *p, int n)
{
    T t[L];
    int l;
    for (l = 0; l < L; l++) t[l] = l < n ? p[l] : 0;
    return FN(load)(t);
}

ALWAYS_INLINE void FN(store_part)(T *p, V v, int n)
{
    T t[L];
    int l;
    FN(store)(t, v);
    for (l = 0; l < n; l++) p[l] = t[l];
}

/* rows x nv vectors of columns, k in [k0, k1), on a panel of W whose row k starts at
 * Wp + k * ldw (packed: ldw = nv * L; W itself: n_out); x's value for row r and k is x[r * xs_r + k * xs_k] (x or its transpose).  The
 * sums start from init (the bias, ld_init 0; or the sums of the block before,
 * stored in out, ld_init n_out; or zero, init NULL) and end in out.  Of the last
 * vector only `last` lanes are columns (L: all of it).  A sum stored and loaded
 * back is unchanged, so blocking k keeps every sum's order and roundings. */
ALWAYS_INLINE void FN(panel)(const T *x, ptrdiff_t xs_r, ptrdiff_t xs_k, const T *Wp,
                             const ptrdiff_t ldw, const T *init, ptrdiff_t ld_init, T *out, ptrdiff_t n_out,
                             ptrdiff_t k0, ptrdiff_t k1, const int rows, const int nv,
                             const int last)
{
    V acc[TILE_ROWS][TILE_VECTORS];
    ptrdiff_t k;
    int r, v;
#pragma GCC unroll 8
    for (r = 0; r < rows; r++) {
#pragma GCC unroll 4
        for (v = 0; v < nv; v++) {
            if (!init)
                acc[r][v] = SPLAT((T)0);
            else if (v == nv - 1 && last < L)
                acc[r][v] = FN(load_part)(init + r * ld_init + v * L, last);
            else
                acc[r][v] = FN(load)(init + r * ld_init + v * L);
        }
    }
    for (k = k0; k < k1; k++) {
        V w[TILE_VECTORS];
#pragma GCC unroll 4
        for (v = 0; v < nv; v++) w[v] = FN(load)(Wp + k * ldw + v * L);
#pragma GCC unroll 8
        for (r = 0; r < rows; r++) {
            const V xb = SPLAT(x[r * xs_r + k * xs_k]);
#pragma GCC unroll 4
            for (v = 0; v < nv; v++) acc[r][v] = FMA(acc[r][v], xb, w[v]);
        }
    }
#pragma GCC unroll 8
    for (r = 0; r < rows; r++) {
#pragma GCC unroll 4
        for (v = 0; v < nv; v++) {
            if (v == nv - 1 && last < L)
                FN(store_part)(out + r * n_out + v * L, acc[r][v], last);
            else
                FN(store)(out + r * n_out + v * L, acc[r][v]);
        }
    }
}

/* panel() on R rows from row i: the sums start from b (NULL: zero) in the first
 * block of k, from out in the next */
ALWAYS_INLINE void FN(panel_at)(const T *x, ptrdiff_t xs_r, ptrdiff_t xs_k, const T *Wp,
                                const ptrdiff_t ldw, const T *b, T *out, ptrdiff_t n_out, ptrdiff_t j0,
                                ptrdiff_t k0, ptrdiff_t k1, ptrdiff_t i, const int R,
                                const int nv, const int last)
{
    T *o = out + i * n_out + j0;
    FN(panel)(x + i * xs_r, xs_r, xs_k, Wp, ldw, k0 ? o : b ? b + j0 : NULL, k0 ? n_out : 0, o,
              n_out, k0, k1, R, nv, last);
}

/* nv vectors of columns from j0 for `rows` rows, block of k by block of k: whole
 * tiles, then (the forward kernels) at most one tile of half as many rows, or
 * (any_rows) tiles of TILE_ROWS / 2, / 4, ... rows, as many as are left */
ALWAYS_INLINE void FN(panel_rows)(const T *x, ptrdiff_t xs_r, ptrdiff_t xs_k, const T *Wp,
                                  const ptrdiff_t ldw, const T *b, T *out, ptrdiff_t n_in, ptrdiff_t n_out,
                                  ptrdiff_t j0, int rows, const int nv, const int last,
                                  const int any_rows)
{
    ptrdiff_t k0 = 0, k1, i;
    do {
        k1 = n_in - k0 < KC_BLOCK ? n_in : k0 + KC_BLOCK;
        for (i = 0; i + TILE_ROWS <= rows; i += TILE_ROWS)
            FN(panel_at)(x, xs_r, xs_k, Wp, ldw, b, out, n_out, j0, k0, k1, i, TILE_ROWS, nv, last);
        if (!any_rows) {
            if (i < rows)
                FN(panel_at)(x, xs_r, xs_k, Wp, ldw, b, out, n_out, j0, k0, k1, i, TILE_ROWS / 2, nv,
                             last);
        } else {
            if (rows - i >= TILE_ROWS / 2) {
                FN(panel_at)(x, xs_r, xs_k, Wp, ldw, b, out, n_out, j0, k0, k1, i, TILE_ROWS / 2, nv,
                             last);
                i += TILE_ROWS / 2;
            }
#if TILE_ROWS >= 4
            if (rows - i >= TILE_ROWS / 4) {
                FN(panel_at)(x, xs_r, xs_k, Wp, ldw, b, out, n_out, j0, k0, k1, i, TILE_ROWS / 4, nv,
                             last);
                i += TILE_ROWS / 4;
            }
#endif
#if TILE_ROWS >= 8
            if (rows - i >= TILE_ROWS / 8)
                FN(panel_at)(x, xs_r, xs_k, Wp, ldw, b, out, n_out, j0, k0, k1, i, TILE_ROWS / 8, nv,
                             last);
#endif
        }
        k0 = k1;
    } while (k0 < n_in);
}

/* rows x nc narrow columns from j0, on packed rows of W's transpose (kpad long);
 * xt holds each row's last, partial vector of x, zero-padded */
ALWAYS_INLINE void FN(narrow)(const T *x, ptrdiff_t ldx, const T *Wt, ptrdiff_t kpad,
                              const T *b, T *out, ptrdiff_t n_in, ptrdiff_t n_out,
                              ptrdiff_t j0, const V *xt, const int rows, const int nc)
{
    const ptrdiff_t kf = n_in / L * L;
    V acc[TILE_ROWS][2], w[2];
    ptrdiff_t k;
    int r, c;
#pragma GCC unroll 8
    for (r = 0; r < rows; r++)
#pragma GCC unroll 2
        for (c = 0; c < nc; c++) acc[r][c] = SPLAT(0);
    for (k = 0; k < kf; k += L) {
#pragma GCC unroll 2
        for (c = 0; c < nc; c++) w[c] = FN(load)(Wt + c * kpad + k);
#pragma GCC unroll 8
        for (r = 0; r < rows; r++) {
            const V xv = FN(load)(x + r * ldx + k);
#pragma GCC unroll 2
            for (c = 0; c < nc; c++) acc[r][c] = FMA(acc[r][c], xv, w[c]);
        }
    }
    if (kf < n_in) {
#pragma GCC unroll 2
        for (c = 0; c < nc; c++) w[c] = FN(load)(Wt + c * kpad + kf);
#pragma GCC unroll 8
        for (r = 0; r < rows; r++)
#pragma GCC unroll 2
            for (c = 0; c < nc; c++) acc[r][c] = FMA(acc[r][c], xt[r], w[c]);
    }
    for (r = 0; r < rows; r++)
        for (c = 0; c < nc; c++)
            out[r * n_out + j0 + c] = FN(hsum)(b[j0 + c], acc[r][c]);
}

/* the narrow columns from j0 of one tile of `rows` rows, Wt packed by pack() */
ALWAYS_INLINE void FN(narrow_rows)(const T *x, ptrdiff_t ldx, const T *Wt, const T *b, T *out,
                                   ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t j0,
                                   const int rows)
{
    /* each row's last, partial vector of k, zero-padded once for all columns */
    const ptrdiff_t kf = n_in / L * L, kpad = (n_in + L - 1) / L * L;
    V xt[TILE_ROWS];
    int r;
    for (r = 0; r < rows; r++) {
        T u[L];
        ptrdiff_t l;
        for (l = 0; l < L; l++) u[l] = kf + l < n_in ? x[r * ldx + kf + l] : 0;
        xt[r] = FN(load)(u);
    }
    for (; j0 + 1 < n_out; j0 += 2, Wt += 2 * kpad)
        FN(narrow)(x, ldx, Wt, kpad, b, out, n_in, n_out, j0, xt, rows, 2);
    if (j0 < n_out)
        FN(narrow)(x, ldx, Wt, kpad, b, out, n_in, n_out, j0, xt, rows, 1);
}

/* Rows per block of FN(tile): a block's x (at most MC_BYTES of it, and 64 rows) stays
 * in L2 while the panels of W pass over it; a multiple of TILE_ROWS, so only the last
 * block has a half tile */
#define MC_BYTES 131072
#define MC_ROWS 64

/* rows of x @ W + b on the main columns' panels, and on Wt, the narrow columns'
 * rows of W's transpose.  Panels: ldw 0, W packed by pack() (panel after panel,
 * each n_in x its width); else W itself, row stride ldw (n_out). */
static void FN(tile_block)(const T *x, ptrdiff_t ldx, const T *Wp, const ptrdiff_t ldw,
                           const T *Wt, const T *b, T *out, ptrdiff_t n_in, ptrdiff_t n_out,
                           int rows)
{
    const ptrdiff_t n_main = n_out / L * L;
    ptrdiff_t j0 = 0;
    int i;
    while (j0 < n_main) {
        const int nv = (n_main - j0) / L < TILE_VECTORS ? (int)((n_main - j0) / L) : TILE_VECTORS;
        const ptrdiff_t ld = ldw ? ldw : nv * L;
        switch (nv) {
        case 1: FN(panel_rows)(x, ldx, 1, Wp, ld, b, out, n_in, n_out, j0, rows, 1, L, 0); break;
#if TILE_VECTORS > 2
        case 2: FN(panel_rows)(x, ldx, 1, Wp, ld, b, out, n_in, n_out, j0, rows, 2, L, 0); break;
#endif
        default:
            FN(panel_rows)(x, ldx, 1, Wp, ld, b, out, n_in, n_out, j0, rows, TILE_VECTORS, L, 0);
            break;
        }
        Wp += ldw ? nv * L : n_in * nv * L;
        j0 += nv * L;
    }
    if (j0 < n_out) {
        for (i = 0; i + TILE_ROWS <= rows; i += TILE_ROWS)
            FN(narrow_rows)(x + i * ldx, ldx, Wt, b, out + i * n_out, n_in, n_out, j0, TILE_ROWS);
        if (i < rows)
            FN(narrow_rows)(x + i * ldx, ldx, Wt, b, out + i * n_out, n_in, n_out, j0,
                            TILE_ROWS / 2);
    }
}

/* tile() and tile_w(): blocks of rows whose x stays in L2 */
static void FN(tile_blocks)(const T *x, ptrdiff_t ldx, const T *Wp, const ptrdiff_t ldw,
                            const T *Wt, const T *b, T *out, ptrdiff_t n_in, ptrdiff_t n_out,
                            int rows)
{
    const ptrdiff_t fit = MC_BYTES / ((n_in > 0 ? n_in : 1) * (ptrdiff_t)sizeof(T));
    const int mc = fit >= MC_ROWS ? MC_ROWS
                   : fit >= TILE_ROWS ? (int)(fit / TILE_ROWS * TILE_ROWS) : TILE_ROWS;
    int i0, mr;
    for (i0 = 0; i0 < rows; i0 += mr) {
        mr = rows - i0 > mc ? mc : rows - i0;
        FN(tile_block)(x + (ptrdiff_t)i0 * ldx, ldx, Wp, ldw, Wt, b, out + (ptrdiff_t)i0 * n_out,
                       n_in, n_out, mr);
    }
}

/* out rows [0, rows) = x rows @ W + b, W packed by pack(); rows is a multiple of
 * TILE_ROWS plus at most TILE_ROWS / 2 (those last rows make a tile of half as
 * many), and a row's result is the same in either */
static void FN(tile)(const T *x, ptrdiff_t ldx, const T *Wp, const T *b, T *out,
                     ptrdiff_t n_in, ptrdiff_t n_out, int rows)
{
    FN(tile_blocks)(x, ldx, Wp, 0, Wp + n_in * (n_out / L * L), b, out, n_in, n_out, rows);
}

/* tile() reading the main columns from W itself (C order) and the narrow ones from
 * Wt, packed by pack_narrow(): for a few rows, where packing all of W would cost
 * more than the tiles gain from it.  The same sums in the same order. */
static void FN(tile_w)(const T *x, ptrdiff_t ldx, const T *W, const T *Wt, const T *b, T *out,
                       ptrdiff_t n_in, ptrdiff_t n_out, int rows)
{
    FN(tile_blocks)(x, ldx, W, n_out, Wt, b, out, n_in, n_out, rows);
}

/* ------------------------------------------------------------------ x transposed
 *
 * out (rows x n_out) = x^T @ W, the weight gradient of backpropagation (x: a
 * layer's inputs, n_in x rows with row stride ldx, read as its transpose in
 * place; W: the deltas, n_in x n_out).  W is packed by pack_pad(): the panels of
 * pack() over all columns, the last vector zero-padded, so that every column is
 * summed alike, from zero over k in order.  Any number of rows: whole tiles, then
 * tiles of half, a quarter ... as many; a row's sums do not depend on which.
 */
static ptrdiff_t FN(packed_pad_size)(ptrdiff_t n_in, ptrdiff_t n_out)
{
    return n_in * ((n_out + L - 1) / L * L);
}

static void FN(pack_pad)(const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out)
{
    FN(pack_panels)(W, Wp, n_in, n_out, (n_out + L - 1) / L * L);
}

static void FN(tile_t)(const T *x, ptrdiff_t ldx, const T *Wp, T *out, ptrdiff_t n_in,
                       ptrdiff_t n_out, ptrdiff_t rows)
{
    const ptrdiff_t n_pad = (n_out + L - 1) / L * L;
    ptrdiff_t i0, j0;
    /* blocks of MC_ROWS rows: the block's x (n_in runs of MC_ROWS values) stays in
     * L2 while the panels pass over it */
    for (i0 = 0; i0 < rows; i0 += MC_ROWS) {
        const int mr = rows - i0 > MC_ROWS ? MC_ROWS : (int)(rows - i0);
        const T *Wq = Wp;
        for (j0 = 0; j0 < n_pad; j0 += TILE_VECTORS * L) {
            const int nv = (n_pad - j0) / L < TILE_VECTORS ? (int)((n_pad - j0) / L)
                                                           : TILE_VECTORS;
            const int last = j0 + nv * L > n_out ? (int)(n_out - j0 - (nv - 1) * L) : L;
            switch (nv) {
            case 1:
                FN(panel_rows)(x + i0, 1, ldx, Wq, nv * L, NULL, out + i0 * n_out, n_in, n_out, j0, mr,
                               1, last, 1);
                break;
#if TILE_VECTORS > 2
            case 2:
                FN(panel_rows)(x + i0, 1, ldx, Wq, nv * L, NULL, out + i0 * n_out, n_in, n_out, j0, mr,
                               2, last, 1);
                break;
#endif
            default:
                FN(panel_rows)(x + i0, 1, ldx, Wq, nv * L, NULL, out + i0 * n_out, n_in, n_out, j0, mr,
                               TILE_VECTORS, last, 1);
                break;
            }
            Wq += n_in * nv * L;
        }
    }
}

/* ------------------------------------------------------------------ one row
 *
 * out = x @ W + b for a single row (a lone sample, or rows left over after the
 * tiles), on W as it is.  Main columns: a panel of up to ROW_VECTORS vectors,
 * as many as the columns left need, accumulated in registers over all of k, so
 * a narrow layer is one pass over W.  Narrow columns: one vector over all of
 * them per k (lanes past n_out discarded), into L accumulators taken in turn,
 * so that accumulator l holds what lane l of the tile kernel's dot product
 * holds.  They ride along in the last main panel's pass, while W's row is in
 * cache.
 */

/* nv vectors of main columns from j0; with `narrow`, also the narrow columns */
ALWAYS_INLINE void FN(row_panel)(const T *x, const T *W, const T *b, T *out,
                                 ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t j0,
                                 V *narrow, const int nv)
{
    const ptrdiff_t jn = j0 + nv * L, rem = n_out - jn, total = n_in * n_out;
    ptrdiff_t k = 0, c;
    int v, l;
    V a[ROW_VECTORS], acc[L];
    T t[L];
#pragma GCC unroll 8
    for (v = 0; v < nv; v++) a[v] = FN(load)(b + j0 + v * L);
    if (narrow) {
#pragma GCC unroll 16
        for (l = 0; l < L; l++) acc[l] = narrow[l];
        /* blocks of L rows whose narrow loads stay inside W */
        for (; k + L <= n_in && (k + L - 1) * n_out + jn + L <= total; k += L) {
            const T *wk = W + k * n_out + j0;
#pragma GCC unroll 16
            for (l = 0; l < L; l++, wk += n_out) {
                const V xb = SPLAT(x[k + l]);
#pragma GCC unroll 8
                for (v = 0; v < nv; v++) a[v] = FMA(a[v], xb, FN(load)(wk + v * L));
                acc[l] = FMA(acc[l], xb, FN(load)(wk + nv * L));
            }
        }
        /* the rest (once per panel, so not unrolled): narrow loads through a
         * zero-padded copy */
        for (; k < n_in; k += L) {
            for (l = 0; l < L; l++) {
                if (k + l < n_in) {
                    const T *wk = W + (k + l) * n_out + j0;
                    const V xb = SPLAT(x[k + l]);
#pragma GCC unroll 8
                    for (v = 0; v < nv; v++) a[v] = FMA(a[v], xb, FN(load)(wk + v * L));
                    for (c = 0; c < L; c++) t[c] = c < rem ? wk[nv * L + c] : 0;
                    acc[l] = FMA(acc[l], xb, FN(load)(t));
                }
            }
        }
#pragma GCC unroll 16
        for (l = 0; l < L; l++) narrow[l] = acc[l];
    } else {
        for (; k < n_in; k++) {
            const T *wk = W + k * n_out + j0;
            const V xb = SPLAT(x[k]);
#pragma GCC unroll 8
            for (v = 0; v < nv; v++) a[v] = FMA(a[v], xb, FN(load)(wk + v * L));
        }
    }
#pragma GCC unroll 8
    for (v = 0; v < nv; v++) FN(store)(out + j0 + v * L, a[v]);
}

static void FN(row)(const T *x, const T *W, const T *b, T *out, ptrdiff_t n_in,
                    ptrdiff_t n_out)
{
    const ptrdiff_t n_main = n_out / L * L, total = n_in * n_out;
    ptrdiff_t j0 = 0, k, c;
    int l;
    V acc[L];
    T t[L];
#pragma GCC unroll 16
    for (l = 0; l < L; l++) acc[l] = SPLAT(0);
    while (j0 < n_main) {
        const int nv = (n_main - j0) / L < ROW_VECTORS ? (int)((n_main - j0) / L) : ROW_VECTORS;
        /* the last main panel also takes the narrow columns */
        V *narrow = j0 + nv * L == n_main && n_main < n_out ? acc : NULL;
        switch (nv) {
        case 1: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 1); break;
        case 2: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 2); break;
        case 3: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 3); break;
#if ROW_VECTORS > 4
        case 4: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 4); break;
        case 5: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 5); break;
#endif
#if ROW_VECTORS > 6
        case 6: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 6); break;
        case 7: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, 7); break;
#endif
        default: FN(row_panel)(x, W, b, out, n_in, n_out, j0, narrow, ROW_VECTORS); break;
        }
        j0 += nv * L;
    }
    if (n_main == 0 && n_out > 0) {
        /* narrow columns only */
        for (k = 0; k + L <= n_in && (k + L - 1) * n_out + L <= total; k += L) {
            const T *wk = W + k * n_out;
#pragma GCC unroll 16
            for (l = 0; l < L; l++, wk += n_out)
                acc[l] = FMA(acc[l], SPLAT(x[k + l]), FN(load)(wk));
        }
        for (; k < n_in; k += L) {
            for (l = 0; l < L; l++) {
                if (k + l < n_in) {
                    for (c = 0; c < L; c++) t[c] = c < n_out ? W[(k + l) * n_out + c] : 0;
                    acc[l] = FMA(acc[l], SPLAT(x[k + l]), FN(load)(t));
                }
            }
        }
    }
    if (n_main < n_out) {
        /* the pairwise sum of hsum, on every narrow column at once */
        int w;
        for (w = L / 2; w > 0; w /= 2)
            for (l = 0; l < w; l++) acc[l] += acc[l + w];
        FN(store)(t, acc[0]);
        for (c = n_main; c < n_out; c++) out[c] = b[c] + t[c - n_main];
    }
}
