/* The baseline level: what every CPU of the architecture has (SSE2 on x86-64,
 * NEON on aarch64), compiled with the build's default target. */
#define NNCORE_LEVEL NNCORE_BASELINE
#include "_kernels_level.h"
