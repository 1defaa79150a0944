/* Optimizer steps on one parameter, in place, for one element type at one level.
 *
 * A template body (_kernels_level.h includes it once per type with T, FN(name)
 * and SQRT defined): plain loops the compiler vectorises at the level's width.
 * Each is the NumPy twin's formula (nncore/_kernels_py.py) element by element,
 * in the same order and the same dtypes; contraction is off, so every
 * operation rounds as NumPy's does and both backends update bit for bit alike.
 * The arrays never overlap (the caller hands distinct arrays).
 */

/* p -= lr * g */
static void FN(sgd)(T *restrict p, const T *restrict g, ptrdiff_t n, double lr)
{
    const T a = (T)lr;
    ptrdiff_t i;
    for (i = 0; i < n; i++) p[i] = p[i] - a * g[i];
}

/* v = momentum * v - lr * g;  p += v */
static void FN(momentum)(T *restrict p, const T *restrict g, T *restrict v, ptrdiff_t n,
                         double lr, double momentum)
{
    const T a = (T)lr, mu = (T)momentum;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        v[i] = v[i] * mu - a * g[i];
        p[i] = p[i] + v[i];
    }
}

/* h += g * g;  p -= lr * g / (sqrt(h) + eps) */
static void FN(adagrad)(T *restrict p, const T *restrict g, T *restrict h, ptrdiff_t n,
                        double lr, double eps)
{
    const T a = (T)lr, e = (T)eps;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        h[i] = h[i] + g[i] * g[i];
        p[i] = p[i] - a * g[i] / (SQRT(h[i]) + e);
    }
}

/* h = decay * h + (1 - decay) * g * g;  p -= lr * g / (sqrt(h) + eps) */
static void FN(rmsprop)(T *restrict p, const T *restrict g, T *restrict h, ptrdiff_t n,
                        double lr, double decay, double eps)
{
    const T a = (T)lr, d = (T)decay, c = (T)(1 - decay), e = (T)eps;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        h[i] = h[i] * d + c * g[i] * g[i];
        p[i] = p[i] - a * g[i] / (SQRT(h[i]) + e);
    }
}

/* m += (1 - beta1) (g - m);  v += (1 - beta2) (g * g - v);
 * p -= lr_t * m / (sqrt(v) + eps), this last line in double, then rounded to T */
static void FN(adam)(T *restrict p, const T *restrict g, T *restrict m, T *restrict v,
                     ptrdiff_t n, double lr_t, double beta1, double beta2, double eps)
{
    const T c1 = (T)(1 - beta1), c2 = (T)(1 - beta2), e = (T)eps;
    ptrdiff_t i;
    for (i = 0; i < n; i++) {
        m[i] = m[i] + c1 * (g[i] - m[i]);
        v[i] = v[i] + c2 * (g[i] * g[i] - v[i]);
        p[i] = (T)((double)p[i] - lr_t * (double)m[i] / (double)(SQRT(v[i]) + e));
    }
}

/* W += lr * outer(d, x), W m x n in C order: each product d[i] * x[j] rounded, then
 * times lr, then added, as the twin's three NumPy operations round (the per-sample
 * update of nncore.book.neuralNetwork), in one pass over W */
static void FN(rank1)(T *restrict W, const T *restrict d, const T *restrict x, ptrdiff_t m,
                      ptrdiff_t n, double lr)
{
    const T a = (T)lr;
    ptrdiff_t i, j;
    for (i = 0; i < m; i++) {
        T *restrict row = W + i * n;
        const T s = d[i];
        for (j = 0; j < n; j++) row[j] = row[j] + a * (s * x[j]);
    }
}
