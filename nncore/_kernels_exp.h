/* exp of a non-positive number, branch-free so that loops over it vectorise.
 *
 * Sigmoid and softmax only ever need exp of a non-positive number (-|x| and
 * x - max), so no overflow handling is needed; libm's exp is a scalar call.
 *
 * exp(x) = 2^k * exp(r) with k = round(x / ln 2) and |r| <= ln(2) / 2; exp(r)
 * by its Taylor polynomial (degree 13 for double, 7 for float: error about one
 * unit in the last place).  NaN stays NaN.  Results below the smallest normal
 * number (x < -708 for double, x < -87 for float) are flushed to 0.
 *
 * The kernels are compiled with floating-point contraction off, so this is the
 * same sequence of roundings as the vector form at the levels without FMA (SSE2);
 * the levels with FMA (_kernels_math.h) round each multiply-add once.
 */
#ifndef NNCORE_KERNELS_EXP_H
#define NNCORE_KERNELS_EXP_H

#include <stdint.h>
#include <string.h>

/* The constants and the polynomial, shared with the vector forms in
 * _kernels_math.h.  Horner's rule takes p from the leading coefficient
 * NNCORE_EXP_TOP_* through NNCORE_EXP_COEFFS_*(STEP), which gives each lower
 * coefficient, highest first, to STEP(c) (p = p * r + c): the same operations
 * in every form, so the same roundings in the forms without FMA (this scalar
 * one, SSE2); the FMA levels fuse each step into one rounding. */
#define NNCORE_EXP_LOWEST_D (-708.0)
#define NNCORE_EXP_SHIFT_D 6755399441055744.0           /* 1.5 * 2^52 */
#define NNCORE_EXP_LOG2E_D 1.4426950408889634
#define NNCORE_EXP_LN2_HI_D 6.93147180369123816490e-01
#define NNCORE_EXP_LN2_LO_D 1.90821492927058770002e-10
#define NNCORE_EXP_TOP_D (1.0 / 6227020800.0)           /* 1/13! */
#define NNCORE_EXP_COEFFS_D(STEP)                                       \
    STEP(1.0 / 479001600.0) STEP(1.0 / 39916800.0) STEP(1.0 / 3628800.0) \
    STEP(1.0 / 362880.0) STEP(1.0 / 40320.0) STEP(1.0 / 5040.0)         \
    STEP(1.0 / 720.0) STEP(1.0 / 120.0) STEP(1.0 / 24.0)                \
    STEP(1.0 / 6.0) STEP(0.5) STEP(1.0) STEP(1.0)

#define NNCORE_EXP_LOWEST_F (-87.0f)
#define NNCORE_EXP_SHIFT_F 12582912.0f                  /* 1.5 * 2^23 */
#define NNCORE_EXP_LOG2E_F 1.44269504f
#define NNCORE_EXP_LN2_HI_F 0.693359375f
#define NNCORE_EXP_LN2_LO_F (-2.12194440e-4f)
#define NNCORE_EXP_TOP_F (1.0f / 5040.0f)               /* 1/7! */
#define NNCORE_EXP_COEFFS_F(STEP)                                       \
    STEP(1.0f / 720.0f) STEP(1.0f / 120.0f) STEP(1.0f / 24.0f)          \
    STEP(1.0f / 6.0f) STEP(0.5f) STEP(1.0f) STEP(1.0f)

/* one step of Horner's rule on p and r (scalars or vectors) */
#define NNCORE_EXP_STEP(c) p = p * r + (c);

static inline double nncore_exp_nonpos_d(double x)
{
    double xc = x < NNCORE_EXP_LOWEST_D ? NNCORE_EXP_LOWEST_D : x;   /* NaN passes through */
    double kd = xc * NNCORE_EXP_LOG2E_D + NNCORE_EXP_SHIFT_D;
    double k = kd - NNCORE_EXP_SHIFT_D;
    double r = (xc - k * NNCORE_EXP_LN2_HI_D) - k * NNCORE_EXP_LN2_LO_D;
    double p = NNCORE_EXP_TOP_D;
    NNCORE_EXP_COEFFS_D(NNCORE_EXP_STEP)
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);                     /* low bits hold k */
    bits = (bits + 1023) << 52;                          /* 2^k, k in [-1022, 0] */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    double res = p * scale;
    return x < NNCORE_EXP_LOWEST_D ? 0.0 : res;
}

static inline float nncore_exp_nonpos_f(float x)
{
    float xc = x < NNCORE_EXP_LOWEST_F ? NNCORE_EXP_LOWEST_F : x;
    float kd = xc * NNCORE_EXP_LOG2E_F + NNCORE_EXP_SHIFT_F;
    float k = kd - NNCORE_EXP_SHIFT_F;
    float r = (xc - k * NNCORE_EXP_LN2_HI_F) - k * NNCORE_EXP_LN2_LO_F;
    float p = NNCORE_EXP_TOP_F;
    NNCORE_EXP_COEFFS_F(NNCORE_EXP_STEP)
    uint32_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 127) << 23;                           /* 2^k, k in [-126, 0] */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float res = p * scale;
    return x < NNCORE_EXP_LOWEST_F ? 0.0f : res;
}

#endif
