/* The kernels that are compiled once per instruction-set level, as one table
 * of function pointers per level, and the choice of the table at run time.
 *
 * Levels: NNCORE_BASELINE (what every CPU of the architecture has: SSE2 on
 * x86-64, NEON on aarch64, plain C elsewhere), NNCORE_AVX2 (AVX2 + FMA,
 * x86-64-v3) and NNCORE_AVX512 (AVX-512 F/BW/DQ/VL).  Each level is compiled
 * from the same C bodies (_kernels_dense.h, _kernels_math.h, _kernels_update.h;
 * the list of kernels is _kernels_fields.h) in its own file
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
    /* fewest rows for which the forward tiles take W packed whole (tile); fewer
       read W as it is (tile_w): float64, float32 */
    int packed_min_rows_d, packed_min_rows_f;
    /* float64 kernels, named <kernel>_d, then float32 ones, <kernel>_f */
#define KERNEL(ret, name, params) ret(*name##_d) params;
#define T double
#include "_kernels_fields.h"
#undef T
#undef KERNEL
#define KERNEL(ret, name, params) ret(*name##_f) params;
#define T float
#include "_kernels_fields.h"
#undef T
#undef KERNEL
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
