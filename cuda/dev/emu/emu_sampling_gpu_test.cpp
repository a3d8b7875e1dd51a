// cuda/dev/sampling_gpu_test.cu (host code only) under host emulation.
#include "emu_cuda.h"

#include "../sampling_gpu_test.cu"
