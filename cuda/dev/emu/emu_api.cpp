// cuda/api_cuda.cu under host emulation (see emu_cuda.h).
#include "emu_cuda.h"

#include "../../api_cuda.cu"
