// cuda/dev/gpu_test.cu (host code only) under host emulation: the whole GPU test harness against emulated kernels.
#include "emu_cuda.h"

#include "../gpu_test.cu"
