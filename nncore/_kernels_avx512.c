/* The AVX-512 level (F, BW, DQ, VL), chosen at run time on CPUs that have it. */
#include "_kernels_simd.h"
#if NNCORE_X86_LEVELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,prefer-vector-width=512")
#endif
#define NNCORE_LEVEL NNCORE_AVX512
#include "_kernels_level.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int nncore_no_avx512_level; /* not x86-64: nothing to compile */
#endif
