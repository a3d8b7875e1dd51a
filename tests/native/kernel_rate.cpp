// Time per logit of the CPU token statistics and policy loss (gradient into a resident buffer), bf16, 1 thread, on
// every SIMD level this CPU has: the fastest of many calls, so a shared machine's noise mostly drops out.
//   target/native-build/bin/eapo4j_kernel_rate [ROWS [VOCAB [CALLS]]]
// Default 8 x 32000 (512 KB of logits: cache-resident, so this is the arithmetic rate of each path); with 512 rows
// the logits come from memory. docs/BENCHMARKS.md ("bf16 kernels on the AVX-512 path") quotes it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 8, v = argc > 2 ? std::atoll(argv[2]) : 32000;
    const int calls = argc > 3 ? std::atoi(argv[3]) : 200;
    eapo_cpu_set_num_threads(1);
    std::vector<uint16_t> z((size_t)(n * v));
    // The gradient 64-byte aligned, as LibTorch allocates it (the AVX-512 path streams aligned gradient rows).
    const size_t gbytes = ((size_t)(n * v) * 2 + 63) / 64 * 64;
    uint16_t* g = static_cast<uint16_t*>(std::aligned_alloc(64, gbytes));
    std::memset(g, 0, gbytes);
    std::mt19937 rng(1);
    std::normal_distribution<float> nd(0.f, 2.f);
    for (auto& h : z) h = eapo_f32_to_bf16(nd(rng));
    std::vector<int64_t> y((size_t)n);
    for (auto& t : y) t = (int64_t)(rng() % (uint64_t)v);
    std::vector<float> lp((size_t)n), en((size_t)n), old((size_t)n, -10.f), adv((size_t)n), w((size_t)n, 1.f),
        coef((size_t)n, 1.0f / (float)n), tl((size_t)n);
    for (int64_t r = 0; r < n; ++r) adv[(size_t)r] = r % 2 ? 1.f : -0.5f;
    char err[256];
    double loss = 0;
    auto best_ns = [&](auto&& call) {
        double best = 1e30;
        for (int k = 0; k < calls; ++k) {
            auto t0 = std::chrono::steady_clock::now();
            call();
            double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
            best = ns < best ? ns : best;
        }
        return best / (double)(n * v);
    };
    std::printf("bf16 logits %lld x %lld, 1 thread, fastest of %d calls\n", (long long)n, (long long)v, calls);
    for (const char* level : {"avx512", "avx2", "generic"}) {
        if (eapo_cpu_set_simd_level(level) != EAPO_OK) continue;
        eapo_token_stats_args a = {};
        a.logits = z.data(); a.dtype = EAPO_BF16; a.rows_outer = 1; a.rows_inner = n; a.stride_outer = n * v;
        a.stride_inner = v; a.vocab = v; a.targets = y.data(); a.temperature = 1.0f; a.logp = lp.data();
        a.entropy = en.data();
        eapo_policy_loss_args p = {};
        p.logits = z.data(); p.dtype = EAPO_BF16; p.rows_outer = 1; p.rows_inner = n; p.stride_outer = n * v;
        p.stride_inner = v; p.vocab = v; p.targets = y.data(); p.old_logp = old.data(); p.advantages = adv.data();
        p.weights = w.data(); p.coefs = coef.data(); p.temperature = 1.0f; p.clip_low = 0.2f; p.clip_high = 0.28f;
        p.entropy_coef = 0.01f; p.batch_loss = &loss; p.token_loss = tl.data(); p.grad = g;
        p.grad_stride_outer = n * v; p.grad_stride_inner = v;
        const double ts = best_ns([&] { eapo_token_stats_cpu(&a, err, sizeof err); });
        const double pl = best_ns([&] { eapo_policy_loss_cpu(&p, err, sizeof err); });
        std::printf("%-22s token statistics %.3f ns/logit, policy loss %.3f ns/logit\n", eapo_cpu_simd_level(), ts, pl);
    }
    eapo_cpu_set_simd_level(nullptr);
    std::free(g);
    return 0;
}
