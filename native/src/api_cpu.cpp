// C API of the CPU kernels: argument checks (a last line of defence; the Java layer validates first),
// SIMD-level dispatch, and the split of rows across threads.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "cpu_kernels.h"
#include "api_checks.h"
#include "parallel.h"
#include "sampling_reference.h"
#include "status.h"

using namespace eapo4j;

namespace {

std::atomic<int> g_num_threads{0};

int resolved_threads() {
    int n = g_num_threads.load();
    if (n > 0) return n;
    unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : (int)hw;
}

// SIMD levels of the CPU kernels, best first. kNames are what eapo_cpu_simd_level() reports.
enum Isa { kAvx512 = 0, kAvx2 = 1, kGeneric = 2 };
const char* const kNames[] = {"avx512f+bw+dq+vl+bf16", "avx2+fma+f16c", "generic"};
const char* const kShortNames[] = {"avx512", "avx2", "generic"};

bool cpu_has(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
    switch (isa) {
        case kAvx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("fma") &&
                   __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
        case kAvx2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        default:
            return true;
    }
#else
    return isa == kGeneric;
#endif
}

Isa best_isa() {
    for (Isa i : {kAvx512, kAvx2})
        if (cpu_has(i)) return i;
    return kGeneric;
}

// -1 when the name is none of kShortNames / kNames.
int isa_of_name(const char* name) {
    for (int i = 0; i < 3; ++i)
        if (std::strcmp(name, kShortNames[i]) == 0 || std::strcmp(name, kNames[i]) == 0) return i;
    return -1;
}

// The level at load time: the best the CPU has, or the one EAPO4J_ISA (avx512 | avx2 | generic) names. A level the
// CPU lacks, or an unknown name, falls back to the best one with a warning on stderr (never an illegal instruction).
Isa initial_isa() {
    const char* env = std::getenv("EAPO4J_ISA");
    if (env == nullptr || *env == '\0') return best_isa();
    const int want = isa_of_name(env);
    if (want < 0) {
        std::fprintf(stderr, "eapo4j: EAPO4J_ISA=%s is not one of avx512, avx2, generic; using %s\n", env,
                     kShortNames[best_isa()]);
        return best_isa();
    }
    if (!cpu_has((Isa)want)) {
        std::fprintf(stderr, "eapo4j: EAPO4J_ISA=%s: this CPU lacks it; using %s\n", env, kShortNames[best_isa()]);
        return best_isa();
    }
    return (Isa)want;
}

Isa load_time_isa() {
    static const Isa isa = initial_isa();  // EAPO4J_ISA is read (and warned about) once
    return isa;
}

std::atomic<int> g_isa{load_time_isa()};  // eapo_cpu_set_simd_level changes it (tests)

Isa isa() { return (Isa)g_isa.load(std::memory_order_relaxed); }

// The shared checks plus the target range, which only the CPU front end can scan (the targets are host memory).
template <class Args>
int check_cpu_args(const Args* a, char* err, int err_len) {
    int st = check_args(a, err, err_len);
    if (st != EAPO_OK) return st;
    const int64_t n = a->rows_outer * a->rows_inner;
    for (int64_t r = 0; r < n; ++r) {
        if (a->targets[r] < 0 || a->targets[r] >= a->vocab)
            return set_error(err, err_len, EAPO_EINVAL, "targets[%lld] = %lld is outside [0, %lld)", (long long)r,
                             (long long)a->targets[r], (long long)a->vocab);
    }
    return EAPO_OK;
}

// Sampling: the shared checks plus the per-row values in host memory (valid_vocab, uniforms).
int check_cpu_sample_args(const eapo_sample_args* a, char* err, int err_len) {
    int st = check_args(a, err, err_len);
    if (st != EAPO_OK) return st;
    const int64_t n = a->rows_outer * a->rows_inner;
    for (int64_t r = 0; r < n; ++r) {
        if (a->valid_vocab && (a->valid_vocab[r] < 1 || a->valid_vocab[r] > a->vocab))
            return set_error(err, err_len, EAPO_EINVAL, "valid_vocab[%lld] = %lld is outside [1, %lld]", (long long)r,
                             (long long)a->valid_vocab[r], (long long)a->vocab);
        if (a->temperature > 0.0 && !(a->uniforms[r] >= 0.0 && a->uniforms[r] < 1.0))
            return set_error(err, err_len, EAPO_EINVAL, "uniforms[%lld] = %g is outside [0, 1)", (long long)r,
                             a->uniforms[r]);
    }
    return EAPO_OK;
}

template <class RowsFn>
int run_sample(const eapo_sample_args* args, char* err, int err_len, int threads, RowsFn rows) {
    int st = check_cpu_sample_args(args, err, err_len);
    if (st != EAPO_OK) return st;
    const eapo_sample_args& a = *args;
    const int64_t n = a.rows_outer * a.rows_inner;
    std::vector<SampleFailure> fail((size_t)std::max(threads, 1));
    parallel_rows(n, a.vocab, threads, [&](int64_t b, int64_t e, int chunk) { fail[(size_t)chunk] = rows(a, b, e); });
    for (const SampleFailure& f : fail)  // chunks are in row order: the first failure is the first bad row
        if (f.row >= 0) return sample_row_error(err, err_len, f.row, f.reason);
    return EAPO_OK;
}

}  // namespace

extern "C" {

void eapo_cpu_set_num_threads(int n) { g_num_threads.store(n > 0 ? n : 0); }

int eapo_cpu_get_num_threads(void) { return resolved_threads(); }

const char* eapo_cpu_simd_level(void) { return kNames[isa()]; }

int eapo_cpu_set_simd_level(const char* name) {
    if (name == nullptr || *name == '\0') {
        g_isa.store(load_time_isa());
        return EAPO_OK;
    }
    const int want = isa_of_name(name);
    if (want < 0) return EAPO_EINVAL;
    if (!cpu_has((Isa)want)) return EAPO_ENODEV;
    g_isa.store(want);
    return EAPO_OK;
}

int eapo_token_stats_cpu(const eapo_token_stats_args* args, char* err, int err_len) {
    try {
        int st = check_cpu_args(args, err, err_len);
        if (st != EAPO_OK) return st;
        const eapo_token_stats_args& a = *args;
        const Isa level = isa();
        parallel_rows(a.rows_outer * a.rows_inner, a.vocab, resolved_threads(), [&](int64_t b, int64_t e, int) {
            if (level == kAvx512) avx512::token_stats_rows(a, b, e);
            else if (level == kAvx2) avx2::token_stats_rows(a, b, e);
            else generic::token_stats_rows(a, b, e);
        });
        return EAPO_OK;
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "token_stats_cpu failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "token_stats_cpu failed");
    }
}

int eapo_policy_loss_cpu(const eapo_policy_loss_args* args, char* err, int err_len) {
    try {
        int st = check_cpu_args(args, err, err_len);
        if (st != EAPO_OK) return st;
        const eapo_policy_loss_args& a = *args;
        const Isa level = isa();
        const int threads = resolved_threads();
        std::vector<double> partial((size_t)threads, 0.0);
        parallel_rows(a.rows_outer * a.rows_inner, a.vocab, threads, [&](int64_t b, int64_t e, int chunk) {
            partial[(size_t)chunk] = level == kAvx512 ? avx512::policy_loss_rows(a, b, e)
                                     : level == kAvx2   ? avx2::policy_loss_rows(a, b, e)
                                                        : generic::policy_loss_rows(a, b, e);
        });
        double total = 0.0;
        for (double p : partial) total += p;  // fixed order: the result does not depend on thread timing
        if (a.batch_loss) *a.batch_loss = total;
        return EAPO_OK;
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "policy_loss_cpu failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "policy_loss_cpu failed");
    }
}

int eapo_sample_cpu(const eapo_sample_args* args, char* err, int err_len) {
    try {
        const Isa level = isa();
        return run_sample(args, err, err_len, resolved_threads(), [level](const eapo_sample_args& a, int64_t b,
                                                                          int64_t e) {
            return level == kAvx512 ? avx512::sample_rows(a, b, e)
                   : level == kAvx2 ? avx2::sample_rows(a, b, e)
                                    : generic::sample_rows(a, b, e);
        });
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "sample_cpu failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "sample_cpu failed");
    }
}

// Elementwise: the elements are split into contiguous chunks, one per thread (at least kMinElementsPerThread each);
// every element's result is the same whatever chunk it falls in (adamw_cpu.cpp), so the thread count never shows.
int eapo_adamw_cpu(const eapo_adamw_args* args, char* err, int err_len) {
    try {
        int st = check_args(args, err, err_len);
        if (st != EAPO_OK) return st;
        const eapo_adamw_args& a = *args;
        if (a.n == 0) return EAPO_OK;
        const eapo_adamw_consts c = eapo_adamw_prepare(&a);
        const Isa level = isa();
        parallel_rows(a.n, 1, resolved_threads(), [&](int64_t b, int64_t e, int) {
            if (level == kAvx512) avx512::adamw_range(a, c, b, e);
            else if (level == kAvx2) avx2::adamw_range(a, c, b, e);
            else generic::adamw_range(a, c, b, e);
        });
        return EAPO_OK;
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "adamw_cpu failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "adamw_cpu failed");
    }
}

int eapo_sample_cpu_reference(const eapo_sample_args* args, char* err, int err_len) {
    try {
        return run_sample(args, err, err_len, 1, [](const eapo_sample_args& a, int64_t b, int64_t e) {
            return generic::sample_reference_rows(a, b, e);
        });
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "sample_cpu_reference failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "sample_cpu_reference failed");
    }
}

// Columns of y are split across threads: each thread streams its own slice of W once.
int eapo_linear_bf16_cpu(const eapo_linear_args* a, char* err, int err_len) {
    try {
        int st = check_args(a, err, err_len);
        if (st != EAPO_OK) return st;
        if (a->m == 0) return EAPO_OK;
        const Isa level = isa();
        parallel_rows(a->n, a->m * a->k, resolved_threads(), [a, level](int64_t b, int64_t e, int) {
            if (level == kAvx512) avx512::linear_bf16_cols(*a, b, e);
            else if (level == kAvx2) avx2::linear_bf16_cols(*a, b, e);
            else generic::linear_bf16_cols(*a, b, e);
        });
        return EAPO_OK;
    } catch (const std::exception& ex) {
        return set_error(err, err_len, EAPO_EINVAL, "linear_bf16_cpu failed: %s", ex.what());
    } catch (...) {
        return set_error(err, err_len, EAPO_EINVAL, "linear_bf16_cpu failed");
    }
}

}  // extern "C"
