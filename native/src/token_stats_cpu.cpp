// Fused token statistics, CPU: per row, log-prob of the target and the token entropy (SPEC.md
// "Token statistics") in one pass over the logits. The CUDA twin is cuda/token_stats.cu.
// Compiled once per SIMD level with EAPO_SIMD_NS set (see native/CMakeLists.txt).
#include "cpu_kernels.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

void token_stats_rows(const eapo_token_stats_args& a, int64_t begin, int64_t end) {
#if !EAPO_AVX512_ROWS  // the avx512 build reads the rows directly
    alignas(64) float buf[kBlock];
#endif
    const RowGeometry geom{a.rows_inner, a.stride_outer, a.stride_inner};
    const float inv_tau = 1.0f / a.temperature;
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(a.logits) + geom.offset(r) * dtype_size(a.dtype);
#if EAPO_AVX512_ROWS
        const eapo_softmax_acc acc =
            a.dtype == EAPO_BF16 ? v512::row_softmax_stats<EAPO_BF16>(row, a.vocab, inv_tau)
            : a.dtype == EAPO_F32 ? v512::row_softmax_stats<EAPO_F32>(row, a.vocab, inv_tau)
                                  : v512::row_softmax_stats<EAPO_F16>(row, a.vocab, inv_tau);
#else
        const eapo_softmax_acc acc = row_softmax_stats(row, a.dtype, a.vocab, inv_tau, buf);
#endif
        float zy = load_scalar(row, a.dtype, a.targets[r]) * inv_tau;
        a.logp[r] = eapo_acc_logp(acc, zy);
        a.entropy[r] = eapo_acc_entropy(acc);
    }
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
