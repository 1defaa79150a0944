/* The kernels that are compiled once per instruction-set level, as one table
 * of function pointers per level, and the choice of the table at run time.
 *
 * Levels: NNCORE_BASELINE (what every CPU of the architecture has: SSE2 on
 * x86-64, NEON on aarch64, plain C elsewhere), NNCORE_AVX2 (AVX2 + FMA,
 * x86-64-v3) and NNCORE_AVX512 (AVX-512 F/BW/DQ/VL).  Each level is compiled
 * from the same C bodies (_kernels_dense.h, _kernels_math.h) in its own file
 * (_kernels_baseline.c, _kernels_avx2.c, _kernels_avx512.c) with its own
 * vector width and tile shape; _kernels_cpu.c says which levels the CPU and
 * the operating system support.
 *
 * Within one level every kernel sums in the same order, so a row's result does
 * not depend on the batch it is in or on which kernel computed it; across
 * levels only the last bits differ (vector widths change how the narrow
 * columns' lanes are added, and FMA rounds once where the baseline rounds twice).
 */
#ifndef NNCORE_KERNELS_SIMD_H
#define NNCORE_KERNELS_SIMD_H

#include <stddef.h>

#define NNCORE_BASELINE 0
#define NNCORE_AVX2 1
#define NNCORE_AVX512 2
#define NNCORE_N_LEVELS 3

typedef struct nncore_kernels {
    const char *name;       /* "sse2", "neon", "scalar", "avx2", "avx512" */
    int level;              /* NNCORE_BASELINE ... */
    int vector_bytes;       /* width of one vector register the kernels use */
    int tile_rows;          /* rows of a packed tile (leftovers: a tile of half as many);
                               tile_d/f take whole tiles' rows plus at most one half
                               tile, tile_t_d/f any number of rows */
    int tile_vectors;       /* vectors of output columns in a packed tile */
    /* float64 */
    ptrdiff_t (*packed_size_d)(ptrdiff_t n_in, ptrdiff_t n_out);
    void (*pack_d)(const double *W, double *Wp, ptrdiff_t n_in, ptrdiff_t n_out);
    void (*tile_d)(const double *x, ptrdiff_t ldx, const double *Wp, const double *b,
                   double *out, ptrdiff_t n_in, ptrdiff_t n_out, int rows);
    /* the weight gradient x^T @ W (x: n_in x rows, stride ldx), W packed by pack_pad */
    ptrdiff_t (*packed_pad_size_d)(ptrdiff_t n_in, ptrdiff_t n_out);
    void (*pack_pad_d)(const double *W, double *Wp, ptrdiff_t n_in, ptrdiff_t n_out);
    void (*tile_t_d)(const double *x, ptrdiff_t ldx, const double *Wp, double *out, ptrdiff_t n_in,
                     ptrdiff_t n_out, ptrdiff_t rows);
    void (*row_d)(const double *x, const double *W, const double *b, double *out,
                  ptrdiff_t n_in, ptrdiff_t n_out);
    void (*sigmoid_d)(double *v, ptrdiff_t n);
    double (*exp_shifted_d)(const double *src, double *dst, ptrdiff_t n, double shift);
    void (*sgd_d)(double *p, const double *g, ptrdiff_t n, double lr);
    void (*momentum_d)(double *p, const double *g, double *v, ptrdiff_t n, double lr, double momentum);
    void (*adagrad_d)(double *p, const double *g, double *h, ptrdiff_t n, double lr, double eps);
    void (*rmsprop_d)(double *p, const double *g, double *h, ptrdiff_t n, double lr, double decay,
                        double eps);
    void (*adam_d)(double *p, const double *g, double *m, double *v, ptrdiff_t n, double lr_t,
                     double beta1, double beta2, double eps);
    /* W (m x n) += lr * outer(d, x) */
    void (*rank1_d)(double *W, const double *d, const double *x, ptrdiff_t m, ptrdiff_t n, double lr);
    /* float32 */
    ptrdiff_t (*packed_size_f)(ptrdiff_t n_in, ptrdiff_t n_out);
    void (*pack_f)(const float *W, float *Wp, ptrdiff_t n_in, ptrdiff_t n_out);
    void (*tile_f)(const float *x, ptrdiff_t ldx, const float *Wp, const float *b,
                   float *out, ptrdiff_t n_in, ptrdiff_t n_out, int rows);
    /* the weight gradient x^T @ W (x: n_in x rows, stride ldx), W packed by pack_pad */
    ptrdiff_t (*packed_pad_size_f)(ptrdiff_t n_in, ptrdiff_t n_out);
    void (*pack_pad_f)(const float *W, float *Wp, ptrdiff_t n_in, ptrdiff_t n_out);
    void (*tile_t_f)(const float *x, ptrdiff_t ldx, const float *Wp, float *out, ptrdiff_t n_in,
                     ptrdiff_t n_out, ptrdiff_t rows);
    void (*row_f)(const float *x, const float *W, const float *b, float *out,
                  ptrdiff_t n_in, ptrdiff_t n_out);
    void (*sigmoid_f)(float *v, ptrdiff_t n);
    float (*exp_shifted_f)(const float *src, float *dst, ptrdiff_t n, float shift);
    void (*sgd_f)(float *p, const float *g, ptrdiff_t n, double lr);
    void (*momentum_f)(float *p, const float *g, float *v, ptrdiff_t n, double lr, double momentum);
    void (*adagrad_f)(float *p, const float *g, float *h, ptrdiff_t n, double lr, double eps);
    void (*rmsprop_f)(float *p, const float *g, float *h, ptrdiff_t n, double lr, double decay,
                        double eps);
    void (*adam_f)(float *p, const float *g, float *m, float *v, ptrdiff_t n, double lr_t,
                     double beta1, double beta2, double eps);
    /* W (m x n) += lr * outer(d, x) */
    void (*rank1_f)(float *W, const float *d, const float *x, ptrdiff_t m, ptrdiff_t n, double lr);
} nncore_kernels;

/* x86-64 builds with GCC or Clang compile the AVX2 and AVX-512 levels too. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNCORE_X86_LEVELS 1
#else
#define NNCORE_X86_LEVELS 0
#endif

/* The tables compiled into this build (NULL where a level is not compiled for
 * this architecture or compiler), indexed by level. */
const nncore_kernels *nncore_kernel_table(int level);

/* Bit l set when the CPU and the OS support level l (the baseline always). */
int nncore_cpu_levels(void);

/* The table in use: the baseline until nncore_use_level picks another. */
const nncore_kernels *nncore_active(void);

/* Use `level`; returns 0, or -1 (nothing changed) if it is not compiled in or
 * the CPU or OS lacks it. */
int nncore_use_level(int level);

#endif
