/* One instruction-set level's kernels and their table.
 *
 * Included once by each _kernels_<level>.c with NNCORE_LEVEL set (and, for the
 * AVX levels, the compiler told to target them).  It chooses the level's vector
 * width, FMA and tile shape, then instantiates the template bodies
 * _kernels_dense.h, _kernels_math.h and _kernels_update.h for double and float.
 *
 * Tile shapes follow the register file: a tile's accumulators plus the vectors
 * of W loaded for one k and the broadcast x must fit, or the tile spills.
 *   SSE2, AVX2 (16 registers): 4 rows x 3 vectors = 12 accumulators + 3 + 1.
 *   AVX-512, NEON (32 registers): 8 rows x 3 vectors = 24 accumulators + 3 + 1.
 *
 * PACKED_MIN_ROWS_D/F: from how many rows packing W whole pays for itself; fewer
 * rows read W as it is.  Measured for 784x50 (predict of 784-50-100-10) on a Zen 3,
 * where the two ways break even at about 28 (float32) and 80 (float64) rows on
 * SSE2, and 35 and 12 on AVX2.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "_kernels_exp.h"
#include "_kernels_simd.h"

#if NNCORE_LEVEL == NNCORE_AVX512
#include <immintrin.h>
#define LEVEL_NAME "avx512"
#define LEVEL_SUFFIX avx512
#define VBYTES 64
#define TILE_ROWS 8
#define TILE_VECTORS 3
/* fewest rows packed whole (not measured: from two tiles of rows on) */
#define PACKED_MIN_ROWS_D 16
#define PACKED_MIN_ROWS_F 16
#define ROW_VECTORS 8
#if NNCORE_AVX512_ON_AVX2
/* a test build (setup.py): each 512-bit multiply-add as two 256-bit ones, fused
 * and rounded alike, so results are those of the AVX-512 instructions */
#define FMA_HALVES(H, FMADD, a, x, w)                                                    \
    ({                                                                                   \
        union { V v; H h[2]; } a_ = {(a)}, x_ = {(x)}, w_ = {(w)};                       \
        a_.h[0] = FMADD(x_.h[0], w_.h[0], a_.h[0]);                                      \
        a_.h[1] = FMADD(x_.h[1], w_.h[1], a_.h[1]);                                      \
        a_.v;                                                                            \
    })
#define FMA_D(a, x, w) FMA_HALVES(__m256d, _mm256_fmadd_pd, a, x, w)
#define FMA_F(a, x, w) FMA_HALVES(__m256, _mm256_fmadd_ps, a, x, w)
#define SPLAT_D(s) ((s) - (V){0})
#define SPLAT_F(s) ((s) - (V){0})
#else
#define FMA_D(a, x, w) ((V)_mm512_fmadd_pd((__m512d)(x), (__m512d)(w), (__m512d)(a)))
#define FMA_F(a, x, w) ((V)_mm512_fmadd_ps((__m512)(x), (__m512)(w), (__m512)(a)))
#define SPLAT_D(s) ((V)_mm512_set1_pd(s))
#define SPLAT_F(s) ((V)_mm512_set1_ps(s))
#endif

#elif NNCORE_LEVEL == NNCORE_AVX2
#include <immintrin.h>
#define LEVEL_NAME "avx2"
#define LEVEL_SUFFIX avx2
#define VBYTES 32
#define TILE_ROWS 4
#define TILE_VECTORS 3
#define PACKED_MIN_ROWS_D 12
#define PACKED_MIN_ROWS_F 32
#define ROW_VECTORS 6
#define FMA_D(a, x, w) ((V)_mm256_fmadd_pd((__m256d)(x), (__m256d)(w), (__m256d)(a)))
#define FMA_F(a, x, w) ((V)_mm256_fmadd_ps((__m256)(x), (__m256)(w), (__m256)(a)))
#define SPLAT_D(s) ((V)_mm256_set1_pd(s))
#define SPLAT_F(s) ((V)_mm256_set1_ps(s))

#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#include <arm_neon.h>
#define LEVEL_NAME "neon"
#define LEVEL_SUFFIX baseline
#define VBYTES 16
#define TILE_ROWS 8
#define TILE_VECTORS 3
/* fewest rows packed whole (not measured: from two tiles of rows on) */
#define PACKED_MIN_ROWS_D 16
#define PACKED_MIN_ROWS_F 16
#define ROW_VECTORS 8
#define FMA_D(a, x, w) ((V)vfmaq_f64((float64x2_t)(a), (float64x2_t)(x), (float64x2_t)(w)))
#define FMA_F(a, x, w) ((V)vfmaq_f32((float32x4_t)(a), (float32x4_t)(x), (float32x4_t)(w)))
#define SPLAT_D(s) ((V)vdupq_n_f64(s))
#define SPLAT_F(s) ((V)vdupq_n_f32(s))

#elif defined(__GNUC__) || defined(__clang__)
/* SSE2 on x86-64; elsewhere GCC's generic vectors (what the target offers) */
#if defined(__x86_64__)
#define LEVEL_NAME "sse2"
#else
#define LEVEL_NAME "generic"
#endif
#define LEVEL_SUFFIX baseline
#define VBYTES 16
#define TILE_ROWS 4
#define TILE_VECTORS 3
#define PACKED_MIN_ROWS_D 64
#define PACKED_MIN_ROWS_F 24
#define ROW_VECTORS 8
/* no FMA: rounded twice, in the same order everywhere (contraction is off) */
#define FMA_D(a, x, w) ((a) + (x) * (w))
#define FMA_F(a, x, w) ((a) + (x) * (w))
#define SPLAT_D(s) ((s) - (V){0})
#define SPLAT_F(s) ((s) - (V){0})

#else
/* compilers without vector extensions: plain loops (_kernels_plain.h) */
#define LEVEL_NAME "scalar"
#define LEVEL_SUFFIX baseline
#define VBYTES 0
#define TILE_ROWS 4
#define TILE_VECTORS 1
/* fewest rows packed whole (plain loops: the packed weights are W itself) */
#define PACKED_MIN_ROWS_D 4
#define PACKED_MIN_ROWS_F 4
#endif

#define CAT3_(a, b, c) a##_##b##_##c
#define CAT3(a, b, c) CAT3_(a, b, c)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---------------------------------------------------------------- float64 */
#define T double
#define TYPE_IS_DOUBLE 1
#define FN(name) CAT3(name, d, LEVEL_SUFFIX)
#define EXP_NONPOS nncore_exp_nonpos_d
#define SQRT sqrt
#include "_kernels_update.h"
#if VBYTES
typedef double CAT3(vec, d, LEVEL_SUFFIX)
    __attribute__((vector_size(VBYTES), aligned(sizeof(double)), may_alias));
typedef int64_t CAT3(ivec, d, LEVEL_SUFFIX) __attribute__((vector_size(VBYTES)));
#define V CAT3(vec, d, LEVEL_SUFFIX)
#define VI CAT3(ivec, d, LEVEL_SUFFIX)
#define L ((int)(VBYTES / sizeof(double)))
#define FMA FMA_D
#define SPLAT SPLAT_D
#include "_kernels_dense.h"
#include "_kernels_math.h"
#undef V
#undef VI
#undef L
#undef FMA
#undef SPLAT
#else
#include "_kernels_plain.h"
#include "_kernels_math.h"
#endif
#undef T
#undef TYPE_IS_DOUBLE
#undef FN
#undef EXP_NONPOS
#undef SQRT

/* ---------------------------------------------------------------- float32 */
#define T float
#define TYPE_IS_DOUBLE 0
#define FN(name) CAT3(name, f, LEVEL_SUFFIX)
#define EXP_NONPOS nncore_exp_nonpos_f
#define SQRT sqrtf
#include "_kernels_update.h"
#if VBYTES
typedef float CAT3(vec, f, LEVEL_SUFFIX)
    __attribute__((vector_size(VBYTES), aligned(sizeof(float)), may_alias));
typedef int32_t CAT3(ivec, f, LEVEL_SUFFIX) __attribute__((vector_size(VBYTES)));
#define V CAT3(vec, f, LEVEL_SUFFIX)
#define VI CAT3(ivec, f, LEVEL_SUFFIX)
#define L ((int)(VBYTES / sizeof(float)))
#define FMA FMA_F
#define SPLAT SPLAT_F
#include "_kernels_dense.h"
#include "_kernels_math.h"
#undef V
#undef VI
#undef L
#undef FMA
#undef SPLAT
#else
#include "_kernels_plain.h"
#include "_kernels_math.h"
#endif
#undef T
#undef TYPE_IS_DOUBLE
#undef FN
#undef EXP_NONPOS
#undef SQRT

#define TABLE_NAME_(s) nncore_table_##s
#define TABLE_NAME(s) TABLE_NAME_(s)

const nncore_kernels TABLE_NAME(LEVEL_SUFFIX) = {
    .name = LEVEL_NAME,
    .level = NNCORE_LEVEL,
    .vector_bytes = VBYTES,
    .tile_rows = TILE_ROWS,
    .tile_vectors = TILE_VECTORS,
    .packed_min_rows_d = PACKED_MIN_ROWS_D,
    .packed_min_rows_f = PACKED_MIN_ROWS_F,
#define KERNEL(ret, name, params) .name##_d = CAT3(name, d, LEVEL_SUFFIX),
#define T double
#include "_kernels_fields.h"
#undef T
#undef KERNEL
#define KERNEL(ret, name, params) .name##_f = CAT3(name, f, LEVEL_SUFFIX),
#define T float
#include "_kernels_fields.h"
#undef T
#undef KERNEL
};
