// Bit-for-bit guard of the policy loss's default path: hashes (FNV-1a 64) of every output of a fixed set of calls,
// recorded from the kernels as they were before the loss variants (commit 0a376b9). A zero-initialised args struct
// must keep producing exactly these bytes, whatever is added to the kernels. One thread, so the batch-loss summation
// order is fixed; the hashes are per SIMD level (the avx512, avx2 and generic paths round differently).
// Included by native_test.cpp; the constants are regenerated only when a change of the default numbers is intended:
//   EAPO4J_PRINT_GOLDEN=1 target/native-build/bin/eapo4j_native_test
#ifndef EAPO4J_DEFAULT_OUTPUTS_GOLDEN_H
#define EAPO4J_DEFAULT_OUTPUTS_GOLDEN_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace golden {

inline uint64_t fnv1a(uint64_t h, const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

struct Call {
    int dtype;
    int64_t n, v;
    float tau, clip_low, clip_high, dual_clip, kl_beta, eta;
    bool ref;
    unsigned seed;
};

// Every output of one call (token loss, logp, entropy, kl, flags, the gradient in its dtype, the batch loss).
inline uint64_t hash_call(const Call& c) {
    std::mt19937 rng(c.seed);
    std::normal_distribution<float> nd(0.f, 3.f);
    const size_t es = c.dtype == EAPO_F32 ? 4 : 2;
    std::vector<unsigned char> z((size_t)(c.n * c.v) * es);
    for (int64_t i = 0; i < c.n * c.v; ++i) {
        float x = (i % 97 == 1) ? -INFINITY : nd(rng);
        if (c.dtype == EAPO_F32) std::memcpy(&z[i * 4], &x, 4);
        else { uint16_t h = eapo_f32_to_bf16(x); std::memcpy(&z[i * 2], &h, 2); }
    }
    std::vector<int64_t> y(c.n);
    std::vector<float> old(c.n), ref(c.n), adv(c.n), w(c.n), coef(c.n);
    const float offs[5] = {-0.5f, 0.0f, 0.5f, 1.5f, -25.0f};
    for (int64_t r = 0; r < c.n; ++r) {
        y[r] = (int64_t)(rng() % (uint64_t)c.v);
        if (y[r] % 97 == 1) y[r] = 0;
        old[r] = -4.0f + offs[r % 5];
        ref[r] = -4.0f + 0.3f * std::sin((float)r);
        adv[r] = (r % 2) ? 1.0f + 0.1f * (float)(r % 3) : -0.7f;
        w[r] = (r % 4 == 3) ? 0.1f : 1.0f;
        coef[r] = (r % 7 == 2) ? 0.0f : 1.0f / (float)c.n;
    }
    std::vector<float> tl(c.n), lp(c.n), en(c.n), kl(c.n);
    std::vector<uint8_t> fl(c.n);
    std::vector<unsigned char> g(z.size());
    double loss = 0;
    eapo_policy_loss_args a = {};
    a.logits = z.data(); a.dtype = c.dtype; a.rows_outer = 1; a.rows_inner = c.n; a.stride_outer = c.n * c.v;
    a.stride_inner = c.v; a.vocab = c.v; a.targets = y.data(); a.old_logp = old.data();
    a.ref_logp = c.ref ? ref.data() : nullptr; a.advantages = adv.data(); a.weights = w.data(); a.coefs = coef.data();
    a.temperature = c.tau; a.clip_low = c.clip_low; a.clip_high = c.clip_high; a.dual_clip = c.dual_clip;
    a.kl_beta = c.kl_beta; a.entropy_coef = c.eta; a.batch_loss = &loss; a.token_loss = tl.data(); a.logp = lp.data();
    a.entropy = en.data(); a.kl = kl.data(); a.flags = fl.data(); a.grad = g.data();
    a.grad_stride_outer = c.n * c.v; a.grad_stride_inner = c.v;
    char err[256];
    if (eapo_policy_loss_cpu(&a, err, sizeof err) != EAPO_OK) return 0;
    uint64_t h = 1469598103934665603ull;
    h = fnv1a(h, tl.data(), tl.size() * 4);
    h = fnv1a(h, lp.data(), lp.size() * 4);
    h = fnv1a(h, en.data(), en.size() * 4);
    h = fnv1a(h, kl.data(), kl.size() * 4);
    h = fnv1a(h, fl.data(), fl.size());
    h = fnv1a(h, g.data(), g.size());
    return fnv1a(h, &loss, sizeof loss);
}

inline const Call* calls(int* count) {
    static const Call c[] = {
        {EAPO_F32, 23, 1000, 1.0f, 0.2f, 0.28f, 3.0f, 0.0f, 0.0f, false, 11},
        {EAPO_F32, 17, 4099, 0.7f, 0.2f, 0.2f, 0.0f, 0.04f, 0.01f, true, 12},
        {EAPO_BF16, 19, 32000, 1.3f, 0.1f, 0.3f, 2.5f, 0.1f, 0.003f, true, 13},
        {EAPO_BF16, 9, 1001, 1.0f, 0.2f, 0.2f, 0.0f, 0.0f, -0.02f, true, 14},
    };
    *count = (int)(sizeof c / sizeof c[0]);
    return c;
}

// 1 thread. avx2: recorded at commit 0a376b9. avx512: recorded when that path was added (its 16-lane kernels round
// differently from the 8-lane ones, within the float64-reference tolerances of native_test.cpp and the Java tests).
// generic: recorded at the same time, from the unchanged 8-lane code (it had no recording before).
// native_test.cpp runs the check once per level the CPU has (eapo_cpu_set_simd_level).
struct Recorded {
    const char* simd;
    uint64_t hash[4];
};

inline const Recorded* recorded(int* count) {
    static const Recorded r[] = {
        {"avx2+fma+f16c", {0xac1d5747bee9627dull, 0x60cd9ee092173825ull, 0xd5fd4b82691a6ed4ull, 0x629d93da16961f85ull}},
        {"avx512f+bw+dq+vl+bf16",
         {0x99eade51af96de90ull, 0x64ee1036bcd8842eull, 0xdcefbab6aa7340dbull, 0x991cdc7a7b26de34ull}},
        {"generic", {0xd967aa05d365e68bull, 0x56c69e57c7c7a465ull, 0x761a328abd8bdb8dull, 0xa0ddfe16367315ffull}},
    };
    *count = (int)(sizeof r / sizeof r[0]);
    return r;
}

// Returns the number of mismatches (0 when this SIMD level has no recording: it says so).
inline int check_default_outputs() {
    const int threads = eapo_cpu_get_num_threads();
    eapo_cpu_set_num_threads(1);
    int n_calls, n_rec, bad = 0;
    const Call* cs = calls(&n_calls);
    const Recorded* rec = recorded(&n_rec);
    const Recorded* mine = nullptr;
    for (int i = 0; i < n_rec; ++i)
        if (std::strcmp(rec[i].simd, eapo_cpu_simd_level()) == 0) mine = &rec[i];
    const bool print = std::getenv("EAPO4J_PRINT_GOLDEN") != nullptr;
    for (int i = 0; i < n_calls; ++i) {
        const uint64_t h = hash_call(cs[i]);
        if (print) std::printf("golden %s call %d: 0x%016llxull\n", eapo_cpu_simd_level(), i, (unsigned long long)h);
        if (mine && h != mine->hash[i]) {
            std::printf("FAIL default outputs changed (call %d): hash 0x%016llx, recorded 0x%016llx\n", i,
                        (unsigned long long)h, (unsigned long long)mine->hash[i]);
            ++bad;
        }
    }
    if (!mine) std::printf("default-output hashes: none recorded for simd level %s, not checked\n",
                           eapo_cpu_simd_level());
    eapo_cpu_set_num_threads(threads);
    return bad;
}

}  // namespace golden

#endif  // EAPO4J_DEFAULT_OUTPUTS_GOLDEN_H
