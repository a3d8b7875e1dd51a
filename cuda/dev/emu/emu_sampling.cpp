// cuda/sampling.cu under host emulation (see emu_cuda.h), with its kernels registered for emulated launches.
#include "emu_cuda.h"

#include "../../sampling.cu"

namespace {
using eapo4j::cuda::SampleParams;
template <int DT>
void thunk(void** a) {
    eapo4j::cuda::sample_kernel<DT>(*static_cast<SampleParams*>(a[0]));
}
emu::Register r0((const void*)&eapo4j::cuda::sample_kernel<EAPO_F32>, &thunk<EAPO_F32>);
emu::Register r1((const void*)&eapo4j::cuda::sample_kernel<EAPO_BF16>, &thunk<EAPO_BF16>);
emu::Register r2((const void*)&eapo4j::cuda::sample_kernel<EAPO_F16>, &thunk<EAPO_F16>);
}  // namespace
