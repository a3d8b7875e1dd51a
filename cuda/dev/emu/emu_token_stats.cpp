// cuda/token_stats.cu under host emulation (see emu_cuda.h), with its kernels registered for emulated launches.
#include "emu_cuda.h"

#include "../../token_stats.cu"

namespace {
using eapo4j::cuda::TokenStatsParams;
template <int DT>
void thunk(void** a) {
    eapo4j::cuda::token_stats_kernel<DT>(*static_cast<TokenStatsParams*>(a[0]));
}
emu::Register r0((const void*)&eapo4j::cuda::token_stats_kernel<EAPO_F32>, &thunk<EAPO_F32>);
emu::Register r1((const void*)&eapo4j::cuda::token_stats_kernel<EAPO_BF16>, &thunk<EAPO_BF16>);
emu::Register r2((const void*)&eapo4j::cuda::token_stats_kernel<EAPO_F16>, &thunk<EAPO_F16>);
}  // namespace
