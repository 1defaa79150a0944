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
 * same sequence of roundings at every instruction-set level and in scalar code.
 */
#ifndef NNCORE_KERNELS_EXP_H
#define NNCORE_KERNELS_EXP_H

#include <stdint.h>
#include <string.h>

static inline double nncore_exp_nonpos_d(double x)
{
    const double shift = 6755399441055744.0;            /* 1.5 * 2^52 */
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    double xc = x < -708.0 ? -708.0 : x;                 /* NaN passes through */
    double kd = xc * log2e + shift;
    double k = kd - shift;
    double r = (xc - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800.0;                       /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);                     /* low bits hold k */
    bits = (bits + 1023) << 52;                          /* 2^k, k in [-1022, 0] */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    double res = p * scale;
    return x < -708.0 ? 0.0 : res;
}

static inline float nncore_exp_nonpos_f(float x)
{
    const float shift = 12582912.0f;                     /* 1.5 * 2^23 */
    const float log2e = 1.44269504f;
    const float ln2_hi = 0.693359375f;
    const float ln2_lo = -2.12194440e-4f;
    float xc = x < -87.0f ? -87.0f : x;
    float kd = xc * log2e + shift;
    float k = kd - shift;
    float r = (xc - k * ln2_hi) - k * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &kd, sizeof bits);
    bits = (bits + 127) << 23;                           /* 2^k, k in [-126, 0] */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float res = p * scale;
    return x < -87.0f ? 0.0f : res;
}

#endif
