/* What SSE (128-bit vectors, no FMA: the x86-64 baseline level) computes per second
 * on this CPU, in float32, for three loops that run from registers and the L1 cache:
 *
 *   independent   multiplies and adds that do not feed each other (the instruction
 *                 tables' peak: two of each per cycle on a Zen 3);
 *   products      the inner loop of a matrix product without broadcasts: 12
 *                 accumulators, each acc += x * w with w loaded from L1;
 *   tile          the baseline level's 4 x 3 tile as it runs: per k, x of each of 4
 *                 rows broadcast (a load and a shuffle: SSE2 has no broadcast load),
 *                 times 3 vectors of W loaded from L1, added to 12 accumulators.
 *
 * The last is what the baseline tiles can reach at most; docs/performance.rst
 * compares it with what they do reach.
 *
 * Build and run (x86-64, GCC or Clang):
 *   cc -O2 -o /tmp/sse_ceiling benchmarks/sse_ceiling.c && /tmp/sse_ceiling
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if !defined(__x86_64__)
int main(void)
{
    puts("sse_ceiling: x86-64 only");
    return 0;
}
#else

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define CLOBBERS                                                                          \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",       \
        "xmm10", "xmm11", "xmm12", "xmm13", "cc", "memory"

/* 6 multiplies and 6 adds, none feeding another (12 registers, each used once per
 * iteration: 3-cycle latencies hide behind 2 of each per cycle): 48 flops */
static double independent(long n)
{
    double t = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile("mulps %%xmm12, %%xmm0\n\taddps %%xmm13, %%xmm1\n\t"
                         "mulps %%xmm12, %%xmm2\n\taddps %%xmm13, %%xmm3\n\t"
                         "mulps %%xmm12, %%xmm4\n\taddps %%xmm13, %%xmm5\n\t"
                         "mulps %%xmm12, %%xmm6\n\taddps %%xmm13, %%xmm7\n\t"
                         "mulps %%xmm12, %%xmm8\n\taddps %%xmm13, %%xmm9\n\t"
                         "mulps %%xmm12, %%xmm10\n\taddps %%xmm13, %%xmm11\n\t" ::
                             : CLOBBERS);
    return 48.0 * (double)n / (now() - t) / 1e9;
}

/* acc += x * w: w from L1, times x (in xmm12), into 12 accumulators */
#define PRODUCT(off, acc)                                                                 \
    "movups " off "(%[w]), %%xmm13\n\tmulps %%xmm12, %%xmm13\n\taddps %%xmm13, %%" acc "\n\t"
#define ROW(a0, a1, a2) PRODUCT("", a0) PRODUCT("16", a1) PRODUCT("32", a2)
/* x of one row broadcast into xmm12 */
#define SPLAT(src) "movss " src ", %%xmm12\n\tshufps $0, %%xmm12, %%xmm12\n\t"

/* K values of k, 96 flops each, over a panel of W (K x 12 floats) and, for the
 * tile, 4 rows of x */
static double loop(const float *W, const float *x, long K, long reps, int broadcast)
{
    const long rs = 4 * K; /* bytes between rows of x */
    const long rs3 = 3 * rs;
    double t = now();
    for (long r = 0; r < reps; r++) {
        const float *w = W, *xp = x, *end = W + 12 * K;
        if (broadcast)
            __asm__ volatile("1:\n\t" SPLAT("(%[x])") ROW("xmm0", "xmm1", "xmm2")
                             SPLAT("(%[x],%[rs])") ROW("xmm3", "xmm4", "xmm5")
                             SPLAT("(%[x],%[rs],2)") ROW("xmm6", "xmm7", "xmm8")
                             SPLAT("(%[x],%[rs3])") ROW("xmm9", "xmm10", "xmm11")
                             "add $4, %[x]\n\tadd $48, %[w]\n\tcmp %[end], %[w]\n\tjb 1b"
                             : [w] "+r"(w), [x] "+r"(xp)
                             : [rs] "r"(rs), [rs3] "r"(rs3), [end] "r"(end)
                             : CLOBBERS);
        else
            __asm__ volatile("1:\n\t" ROW("xmm0", "xmm1", "xmm2") ROW("xmm3", "xmm4", "xmm5")
                             ROW("xmm6", "xmm7", "xmm8") ROW("xmm9", "xmm10", "xmm11")
                             "add $48, %[w]\n\tcmp %[end], %[w]\n\tjb 1b"
                             : [w] "+r"(w)
                             : [end] "r"(end)
                             : CLOBBERS);
    }
    return 96.0 * (double)K * (double)reps / (now() - t) / 1e9;
}

int main(void)
{
    const long K = 256; /* W's panel: 12 KiB, x's 4 rows: 4 KiB; both stay in L1 */
    float *W = malloc(sizeof(float) * 12 * K), *x = malloc(sizeof(float) * 4 * K);
    double best[3] = {0, 0, 0};
    int round, i;
    for (i = 0; i < 12 * K; i++) W[i] = 1e-3f;
    for (i = 0; i < 4 * K; i++) x[i] = 1e-3f;
    for (round = 0; round < 5; round++) { /* the best of 5: the machine may be busy */
        double g[3];
        g[0] = independent(50000000);
        g[1] = loop(W, x, K, 200000, 0);
        g[2] = loop(W, x, K, 200000, 1);
        for (i = 0; i < 3; i++)
            if (g[i] > best[i]) best[i] = g[i];
    }
    printf("SSE float32, one core (best of 5 rounds), GFLOP/s:\n");
    printf("  independent multiplies and adds  %6.1f\n", best[0]);
    printf("  products into 12 accumulators    %6.1f\n", best[1]);
    printf("  4 x 3 tile with broadcasts of x  %6.1f\n", best[2]);
    free(W);
    free(x);
    return 0;
}
#endif
