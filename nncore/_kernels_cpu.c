/* Which instruction-set levels this CPU and its operating system support, and
 * the table of kernels in use.
 *
 * A level counts only when the CPU has the instructions (cpuid) *and* the OS
 * saves the registers they use across context switches (XCR0, read with
 * xgetbv): AVX2 needs the YMM state, AVX-512 the opmask and ZMM states too.
 */
#include "_kernels_simd.h"

extern const nncore_kernels nncore_table_baseline;
#if NNCORE_X86_LEVELS
extern const nncore_kernels nncore_table_avx2;
extern const nncore_kernels nncore_table_avx512;
#include <cpuid.h>

static unsigned long long nncore_xcr0(void)
{
    unsigned int eax, edx;
    /* xgetbv with ecx = 0, as bytes: assemblers without AVX support know no mnemonic */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int nncore_detect(void)
{
    unsigned int eax, ebx, ecx, edx, max_leaf;
    unsigned long long xcr0;
    int levels = 1 << NNCORE_BASELINE;
    int fma, osxsave, avx;
    max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf < 7 || !__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return levels;
    fma = (ecx >> 12) & 1;
    osxsave = (ecx >> 27) & 1;
    avx = (ecx >> 28) & 1;
    if (!(osxsave && avx))
        return levels;
    xcr0 = nncore_xcr0();
    if ((xcr0 & 0x6) != 0x6)            /* XMM and YMM state */
        return levels;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    if (fma && ((ebx >> 5) & 1))        /* AVX2 */
        levels |= 1 << NNCORE_AVX2;
    else
        return levels;
#if NNCORE_AVX512_ON_AVX2
    return levels | 1 << NNCORE_AVX512; /* a test build: that level runs on AVX2 (setup.py) */
#endif
    if ((xcr0 & 0xe6) == 0xe6           /* opmask, ZMM0-15 upper halves, ZMM16-31 */
        && ((ebx >> 16) & 1)            /* AVX512F */
        && ((ebx >> 17) & 1)            /* AVX512DQ */
        && ((ebx >> 30) & 1)            /* AVX512BW */
        && ((ebx >> 31) & 1))           /* AVX512VL */
        levels |= 1 << NNCORE_AVX512;
    return levels;
}
#else
static int nncore_detect(void)
{
    return 1 << NNCORE_BASELINE;
}
#endif

const nncore_kernels *nncore_kernel_table(int level)
{
    switch (level) {
    case NNCORE_BASELINE: return &nncore_table_baseline;
#if NNCORE_X86_LEVELS
    case NNCORE_AVX2: return &nncore_table_avx2;
    case NNCORE_AVX512: return &nncore_table_avx512;
#endif
    default: return NULL;
    }
}

int nncore_cpu_levels(void)
{
    static int levels = -1;
    if (levels < 0)
        levels = nncore_detect();
    return levels;
}

static const nncore_kernels *nncore_current = &nncore_table_baseline;

const nncore_kernels *nncore_active(void)
{
    return nncore_current;
}

int nncore_use_level(int level)
{
    const nncore_kernels *table = nncore_kernel_table(level);
    if (table == NULL || !((nncore_cpu_levels() >> level) & 1))
        return -1;
    nncore_current = table;
    return 0;
}
