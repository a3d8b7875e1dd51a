// Fused token statistics, CPU: per row, log-prob of the target and the token entropy (SPEC.md
// "Token statistics") in one pass over the logits. The CUDA twin is cuda/token_stats.cu.
// Compiled once per SIMD level with EAPO_SIMD_NS set (see native/CMakeLists.txt).
#include "cpu_kernels.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

void token_stats_rows(const TokenStatsJob& job, int64_t begin, int64_t end) {
    alignas(64) float buf[kBlock];
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(job.logits) + job.geom.offset(r) * dtype_size(job.dtype);
        eapo_softmax_acc acc = row_softmax_stats(row, job.dtype, job.vocab, job.inv_temperature, buf);
        float zy = load_scalar(row, job.dtype, job.targets[r]) * job.inv_temperature;
        job.logp[r] = eapo_acc_logp(acc, zy);
        job.entropy[r] = eapo_acc_entropy(acc);
    }
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
