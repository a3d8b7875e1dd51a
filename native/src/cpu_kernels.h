// Row-range entry points of the CPU kernels, one set per SIMD build (namespaces eapo4j::avx2, eapo4j::generic).
// api_cpu.cpp validates arguments, splits rows across threads and calls one of these for each range.
#ifndef EAPO4J_CPU_KERNELS_H
#define EAPO4J_CPU_KERNELS_H

#include <cstdint>

#include "eapo4j.h"
#include "simd.h"

namespace eapo4j {

struct TokenStatsJob {
    const void* logits;
    int dtype;
    RowGeometry geom;
    int64_t vocab;
    const int64_t* targets;
    float inv_temperature;
    float* logp;
    float* entropy;
};

struct PolicyLossJob {
    const void* logits;
    int dtype;
    RowGeometry geom;
    int64_t vocab;
    const int64_t* targets;
    const float* old_logp;
    const float* ref_logp;  // nullptr: no KL term
    const float* advantages;
    const float* weights;
    const float* coefs;
    eapo_loss_config cfg;
    float* token_loss;      // each output may be nullptr
    float* logp;
    float* entropy;
    uint8_t* flags;
    void* grad;
    RowGeometry grad_geom;
};

#define EAPO_DECLARE_CPU_KERNELS(ns)                                                           \
    namespace ns {                                                                             \
    void token_stats_rows(const TokenStatsJob& job, int64_t begin, int64_t end);               \
    /* returns sum over rows in [begin, end) of c_t * l_t */                                   \
    double policy_loss_rows(const PolicyLossJob& job, int64_t begin, int64_t end);             \
    }

EAPO_DECLARE_CPU_KERNELS(avx2)
EAPO_DECLARE_CPU_KERNELS(generic)

}  // namespace eapo4j

#endif  // EAPO4J_CPU_KERNELS_H
