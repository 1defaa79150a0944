/* The AVX-512 level (F, BW, DQ, VL), chosen at run time on CPUs that have it. */
#include "_kernels_simd.h"
#if NNCORE_X86_LEVELS
#if NNCORE_AVX512_ON_AVX2 /* a test build: this level's shapes on AVX2 (setup.py) */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
/* 512-bit vectors passed between this file's own functions only */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#elif defined(__clang__)
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
