/* The AVX2 + FMA level (x86-64-v3), chosen at run time on CPUs that have it. */
#include "_kernels_simd.h"
#if NNCORE_X86_LEVELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define NNCORE_LEVEL NNCORE_AVX2
#include "_kernels_level.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int nncore_no_avx2_level; /* not x86-64: nothing to compile */
#endif
