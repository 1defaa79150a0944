/* The kernels of one element type, each once: its return type, name and
 * parameters.  The table's fields (_kernels_simd.h) and each level's entries
 * (_kernels_level.h) are both made from this list, so a kernel added here is a
 * field of every level's table and a compile error where a level lacks it.
 *
 * Included with T (double or float) and KERNEL(ret, name, params) defined;
 * no include guard.  nncore/_kernels_c.pyx declares the same fields for Cython.
 */
KERNEL(ptrdiff_t, packed_size, (ptrdiff_t n_in, ptrdiff_t n_out))
/* rows [k0, k1) of W into their places in the packed layout */
KERNEL(void, pack, (const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out, ptrdiff_t k0,
                    ptrdiff_t k1))
/* x (rows x n_in, stride ldx) @ W + b; tile takes whole tiles' rows plus at
 * most one half tile, W packed by pack */
KERNEL(void, tile, (const T *x, ptrdiff_t ldx, const T *Wp, const T *b, T *out, ptrdiff_t n_in,
                    ptrdiff_t n_out, int rows))
/* tile on W as it is (C order) for the main columns and on the narrow columns
 * alone packed by pack_narrow (into at most packed_size values) */
KERNEL(void, pack_narrow, (const T *W, T *Wt, ptrdiff_t n_in, ptrdiff_t n_out))
KERNEL(void, tile_w, (const T *x, ptrdiff_t ldx, const T *W, const T *Wt, const T *b, T *out,
                      ptrdiff_t n_in, ptrdiff_t n_out, int rows))
/* the weight gradient x^T @ W (x: n_in x rows, stride ldx), W packed by pack_pad;
 * any number of rows */
KERNEL(ptrdiff_t, packed_pad_size, (ptrdiff_t n_in, ptrdiff_t n_out))
KERNEL(void, pack_pad, (const T *W, T *Wp, ptrdiff_t n_in, ptrdiff_t n_out))
KERNEL(void, tile_t, (const T *x, ptrdiff_t ldx, const T *Wp, T *out, ptrdiff_t n_in,
                      ptrdiff_t n_out, ptrdiff_t rows))
/* one row: x @ W + b with W unpacked (n_in x n_out, C order) */
KERNEL(void, row, (const T *x, const T *W, const T *b, T *out, ptrdiff_t n_in, ptrdiff_t n_out))
KERNEL(void, sigmoid, (T *v, ptrdiff_t n))
KERNEL(T, exp_shifted, (const T *src, T *dst, ptrdiff_t n, T shift))
/* optimizer updates of n parameters p with gradient g and their state */
KERNEL(void, sgd, (T *p, const T *g, ptrdiff_t n, double lr))
KERNEL(void, momentum, (T *p, const T *g, T *v, ptrdiff_t n, double lr, double momentum))
KERNEL(void, adagrad, (T *p, const T *g, T *h, ptrdiff_t n, double lr, double eps))
KERNEL(void, rmsprop, (T *p, const T *g, T *h, ptrdiff_t n, double lr, double decay, double eps))
KERNEL(void, adam, (T *p, const T *g, T *m, T *v, ptrdiff_t n, double lr_t, double beta1,
                    double beta2, double eps))
/* W (m x n) += lr * outer(d, x) */
KERNEL(void, rank1, (T *W, const T *d, const T *x, ptrdiff_t m, ptrdiff_t n, double lr))
