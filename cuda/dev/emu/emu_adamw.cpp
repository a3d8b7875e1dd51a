// cuda/adamw.cu under host emulation (see emu_cuda.h), with its kernels registered for emulated launches.
#include "emu_cuda.h"

#include "../../adamw.cu"

namespace {
using eapo4j::cuda::AdamwParams;
template <int PD, int GD, int SD>
void thunk(void** a) {
    eapo4j::cuda::adamw_kernel<PD, GD, SD>(*static_cast<AdamwParams*>(a[0]));
}
#define EAPO_EMU_ADAMW(name, PD, GD, SD) \
    emu::Register name((const void*)&eapo4j::cuda::adamw_kernel<PD, GD, SD>, &thunk<PD, GD, SD>)
EAPO_EMU_ADAMW(r0, EAPO_F32, EAPO_F32, EAPO_F32);
EAPO_EMU_ADAMW(r1, EAPO_BF16, EAPO_BF16, EAPO_BF16);
EAPO_EMU_ADAMW(r2, EAPO_BF16, EAPO_BF16, EAPO_F32);
EAPO_EMU_ADAMW(r3, EAPO_BF16, EAPO_F32, EAPO_BF16);
EAPO_EMU_ADAMW(r4, EAPO_BF16, EAPO_F32, EAPO_F32);
EAPO_EMU_ADAMW(r5, EAPO_F16, EAPO_F16, EAPO_F16);
EAPO_EMU_ADAMW(r6, EAPO_F16, EAPO_F16, EAPO_F32);
EAPO_EMU_ADAMW(r7, EAPO_F16, EAPO_F32, EAPO_F16);
EAPO_EMU_ADAMW(r8, EAPO_F16, EAPO_F32, EAPO_F32);
}  // namespace
