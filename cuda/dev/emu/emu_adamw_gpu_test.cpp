// cuda/dev/adamw_gpu_test.cu (host code only) under host emulation.
#include "emu_cuda.h"

#include "../adamw_gpu_test.cu"
