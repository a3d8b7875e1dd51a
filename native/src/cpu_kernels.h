// Row-range entry points of the CPU kernels, one set per SIMD build (namespaces eapo4j::avx512, eapo4j::avx2, eapo4j::generic).
// api_cpu.cpp validates the args struct (native/include/eapo4j.h), splits rows across threads and calls one of these
// for each range with the caller's struct as it is.
#ifndef EAPO4J_CPU_KERNELS_H
#define EAPO4J_CPU_KERNELS_H

#include <cstdint>

#include "eapo4j.h"
#include "eapo4j_adamw.h"
#include "simd.h"

namespace eapo4j {

// Why a sampling row failed (eapo_sample_args): the first bad row of a range and the reason, row -1 when none.
enum { kSampleNonFinite = 1, kSampleAllMasked = 2 };
struct SampleFailure {
    int64_t row = -1;
    int reason = 0;
};

#define EAPO_DECLARE_CPU_KERNELS(ns)                                                           \
    namespace ns {                                                                             \
    void token_stats_rows(const eapo_token_stats_args& a, int64_t begin, int64_t end);         \
    /* returns sum over rows in [begin, end) of c_t * l_t */                                   \
    double policy_loss_rows(const eapo_policy_loss_args& a, int64_t begin, int64_t end);       \
    /* sampling_cpu.cpp: the fast kernel and the float64 full-sort reference */                \
    SampleFailure sample_rows(const eapo_sample_args& a, int64_t begin, int64_t end);          \
    SampleFailure sample_reference_rows(const eapo_sample_args& a, int64_t begin, int64_t end); \
    /* linear_bf16_cpu.cpp: output columns [begin, end) of y */                                \
    void linear_bf16_cols(const eapo_linear_args& a, int64_t begin, int64_t end);              \
    /* adamw_cpu.cpp: elements [begin, end) of one AdamW step */                                \
    void adamw_range(const eapo_adamw_args& a, const eapo_adamw_consts& c, int64_t begin, int64_t end); \
    }

EAPO_DECLARE_CPU_KERNELS(avx512)
EAPO_DECLARE_CPU_KERNELS(avx2)
EAPO_DECLARE_CPU_KERNELS(generic)

}  // namespace eapo4j

#endif  // EAPO4J_CPU_KERNELS_H
