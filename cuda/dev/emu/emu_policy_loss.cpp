// cuda/policy_loss.cu under host emulation (see emu_cuda.h), with its kernels registered for emulated launches.
#include "emu_cuda.h"

#include "../../policy_loss.cu"

namespace {
using eapo4j::cuda::PolicyLossParams;
template <int DT, int MODE, bool WIDE>
void thunk(void** a) {
    eapo4j::cuda::policy_loss_kernel<DT, MODE, WIDE>(*static_cast<PolicyLossParams*>(a[0]));
}
void reduce_thunk(void** a) {
    eapo4j::cuda::loss_reduce_kernel(*static_cast<const double**>(a[0]), *static_cast<int64_t*>(a[1]),
                                     *static_cast<double**>(a[2]));
}
#define EAPO_EMU_REG(DT, MODE, WIDE)                                                                   \
    emu::Register r_##DT##_##MODE##_##WIDE((const void*)&eapo4j::cuda::policy_loss_kernel<DT, MODE, WIDE>, \
                                           &thunk<DT, MODE, WIDE>);
EAPO_EMU_REG(0, 1, false) EAPO_EMU_REG(0, 2, false) EAPO_EMU_REG(0, 3, false) EAPO_EMU_REG(0, 3, true)
EAPO_EMU_REG(1, 1, false) EAPO_EMU_REG(1, 2, false) EAPO_EMU_REG(1, 3, false) EAPO_EMU_REG(1, 3, true)
EAPO_EMU_REG(2, 1, false) EAPO_EMU_REG(2, 2, false) EAPO_EMU_REG(2, 3, false) EAPO_EMU_REG(2, 3, true)
emu::Register r_reduce((const void*)&eapo4j::cuda::loss_reduce_kernel, &reduce_thunk);
}  // namespace
