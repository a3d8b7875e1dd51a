// Native self-check of the CPU kernels against the float64 evaluation of SPEC.md in reference_f64.h, with no Java or
// LibTorch involved.
// Build and run: native/build.sh target/native-build && target/native-build/bin/eapo4j_native_test
// (The thorough tests are the JUnit ones against LibTorch autograd; this one catches a broken build early.)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"
#include "default_outputs_golden.h"
#include "reference_f64.h"

namespace {

int failures = 0;

void expect_close(const char* what, double got, double want, double tol) {
    if (!(std::fabs(got - want) <= tol * (1.0 + std::fabs(want)))) {
        std::printf("FAIL %s: got %.9g want %.9g\n", what, got, want);
        ++failures;
    }
}

ref_f64::RowStats reference_row(const std::vector<float>& z, int64_t off, int64_t V, int64_t y, double tau) {
    return ref_f64::row_stats([&](int64_t v) { return (double)z[off + v]; }, V, y, tau);
}

// The KL mode of one policy-loss call: no reference, a reference in the loss (beta > 0), or a reference only
// monitored (beta = 0: the k3 output is still written, the loss has no KL term).
enum class KlMode { kNone, kInLoss, kMonitorOnly };

void check_shape(int64_t N, int64_t V, float tau, unsigned seed, KlMode kl_mode) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.f, 3.f);
    std::vector<float> z(N * V);
    for (auto& x : z) x = nd(rng);
    if (V > 2) z[1] = -INFINITY;  // a masked entry
    std::vector<int64_t> y(N);
    for (auto& t : y) t = (int64_t)(rng() % V);
    if (V > 2 && y[0] == 1) y[0] = 0;
    std::vector<float> logp(N), ent(N);
    char err[256] = {0};
    eapo_token_stats_args ts = {};
    ts.logits = z.data();
    ts.dtype = EAPO_F32;
    ts.rows_outer = 1;
    ts.rows_inner = N;
    ts.stride_outer = N * V;
    ts.stride_inner = V;
    ts.vocab = V;
    ts.targets = y.data();
    ts.temperature = tau;
    ts.logp = logp.data();
    ts.entropy = ent.data();
    int st = eapo_token_stats_cpu(&ts, err, sizeof err);
    if (st != EAPO_OK) {
        std::printf("FAIL token_stats status %d: %s\n", st, err);
        ++failures;
        return;
    }
    for (int64_t r = 0; r < N; ++r) {
        ref_f64::RowStats ref = reference_row(z, r * V, V, y[r], tau);
        expect_close("logp", logp[r], ref.logp, 2e-5);
        expect_close("entropy", ent[r], ref.entropy, 2e-5);
    }

    // Policy loss: A, old chosen so both clip sides and the unclipped region are exercised.
    std::vector<float> old(N), ref(N), adv(N), w(N, 1.0f), c(N, 1.0f / N), tl(N), lp2(N), e2(N), g(N * V);
    std::vector<float> kl(N, -1.0f);  // -1: a row the kernel did not write shows up
    std::vector<uint8_t> flags(N);
    for (int64_t r = 0; r < N; ++r) {
        old[r] = logp[r] + (float)((int)(r % 3) - 1) * 0.5f;
        ref[r] = logp[r] + (float)((int)(r % 4) - 2) * 0.7f;  // ref - logp in {-1.4, -0.7, 0, 0.7}
        adv[r] = (r % 2) ? 1.0f : -0.7f;
        if (kl_mode != KlMode::kNone && N > 2 && r % 5 == 3) c[r] = 0.0f;  // masked rows: kl must be 0
    }
    const bool has_ref = kl_mode != KlMode::kNone;
    double loss = 0;
    eapo_policy_loss_args pl = {};
    pl.logits = z.data();
    pl.dtype = EAPO_F32;
    pl.rows_outer = 1;
    pl.rows_inner = N;
    pl.stride_outer = N * V;
    pl.stride_inner = V;
    pl.vocab = V;
    pl.targets = y.data();
    pl.old_logp = old.data();
    pl.advantages = adv.data();
    pl.weights = w.data();
    pl.coefs = c.data();
    pl.ref_logp = has_ref ? ref.data() : nullptr;
    pl.kl_beta = kl_mode == KlMode::kInLoss ? 0.05f : 0.0f;
    pl.kl = kl.data();
    pl.temperature = tau;
    pl.clip_low = 0.2f;
    pl.clip_high = 0.28f;
    pl.dual_clip = 3.0f;
    pl.entropy_coef = 0.01f;
    pl.batch_loss = &loss;
    pl.token_loss = tl.data();
    pl.logp = lp2.data();
    pl.entropy = e2.data();
    pl.flags = flags.data();
    pl.grad = g.data();
    pl.grad_stride_outer = N * V;
    pl.grad_stride_inner = V;
    st = eapo_policy_loss_cpu(&pl, err, sizeof err);
    if (st != EAPO_OK) {
        std::printf("FAIL policy_loss status %d: %s\n", st, err);
        ++failures;
        return;
    }
    const ref_f64::LossConfig rcfg{pl.clip_low, pl.clip_high, pl.dual_clip, pl.kl_beta, pl.entropy_coef};
    double want_loss = 0;
    auto refv = [&](int64_t r) { return has_ref ? (double)ref[r] : 0.0; };
    for (int64_t r = 0; r < N; ++r) {
        ref_f64::RowStats rs = reference_row(z, r * V, V, y[r], tau);
        ref_f64::TokenTerms t = ref_f64::token_terms(rcfg, rs.logp, rs.entropy, old[r], has_ref, refv(r), adv[r],
                                                     w[r]);
        if (c[r] == 0.0f) {  // skipped row: zero outputs, zero gradient
            for (int64_t v = 0; v < V; ++v) expect_close("grad (masked row)", g[r * V + v], 0.0, 0.0);
            expect_close("kl (masked row)", kl[r], 0.0, 0.0);
            expect_close("token_loss (masked row)", tl[r], 0.0, 0.0);
            continue;
        }
        want_loss += c[r] * t.loss;
        // k3 from the float64 log-prob; 0 without a reference. Its error is dominated by the fp32 logp error times
        // |1 - exp(ref - logp)| (< 4 here), hence the absolute tolerance.
        expect_close("kl", kl[r], has_ref ? ref_f64::k3(rs.logp, ref[r]) : 0.0, 1e-4);
        for (int64_t v = 0; v < V; ++v) {
            double want = ref_f64::grad_elem(c[r], tau, rcfg.entropy_coef, rs, t.g, z[r * V + v], v == y[r]);
            expect_close("grad", g[r * V + v], want, 1e-5);
        }
        expect_close("token_loss", tl[r], t.loss, 2e-5);
        if (flags[r] != t.flags) {
            std::printf("FAIL flags row %lld: got %d want %d\n", (long long)r, flags[r], t.flags);
            ++failures;
        }
    }
    expect_close("loss", loss, want_loss, 2e-5);
}

// eapo_grad_elem_factored (the CUDA policy loss's form) against eapo_grad_elem and a float64 evaluation, including
// masked entries (p = 0, log p = -inf) and NaN.
void check_factored_gradient() {
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int i = 0; i < 200000; ++i) {
        const float g = (u(rng) - 0.5f) * 6.0f, eta = i % 3 == 0 ? 0.0f : u(rng) * 0.1f, h = u(rng) * 8.0f;
        const float cot = (u(rng) + 0.01f) * 2.0f;
        const float logp = i % 11 == 0 ? -INFINITY : -u(rng) * (i % 2 ? 30.0f : 120.0f);
        const float p = std::exp(logp);
        const int target = i % 7 == 0;
        const eapo_grad_factors f = eapo_grad_factors_of(g, eta, h, cot);
        const float got = eapo_grad_elem_factored(p, logp, f) + (target ? f.t : 0.0f);
        const float old = eapo_grad_elem(p, logp, target, g, eta, h, cot);
        const double pd = p, lpd = p > 0 ? (double)logp : 0.0;
        const double want = ref_f64::grad_of_logp(cot, g, eta, h, logp, target);
        const double scale = cot * (std::fabs(g) * (1.0 + pd) + eta * pd * (std::fabs(lpd) + h)) + 1e-30;
        if (!(std::fabs(got - want) <= 2e-6 * scale) || !(std::fabs(old - want) <= 2e-6 * scale)) {
            std::printf("FAIL factored gradient: g %g eta %g H %g c/tau %g logp %g: factored %.9g, eapo_grad_elem %.9g, "
                        "float64 %.9g\n", g, eta, h, cot, logp, got, old, want);
            if (++failures > 20) return;
        }
    }
    const eapo_grad_factors f = eapo_grad_factors_of(1.0f, 0.01f, 2.0f, 0.5f);
    const float masked = eapo_grad_elem_factored(0.0f, -INFINITY, f);
    if (masked != 0.0f || std::signbit(masked)) {
        std::printf("FAIL factored gradient: a masked entry must be +0, got %g\n", masked);
        ++failures;
    }
    if (!std::isnan(eapo_grad_elem_factored(NAN, NAN, f))) {
        std::printf("FAIL factored gradient: a NaN element must stay NaN\n");
        ++failures;
    }
}

// An output that shares memory with an input or another output is refused with EAPO_EINVAL before any row runs.
// A call whose gradient passes 8 MB (the AVX-512 path then streams its gradient rows with non-temporal stores) must
// give, row for row, the bytes of small calls (which store normally), into a separate buffer and in place.
void check_large_call_matches_small_calls() {
    const int64_t N = 72, V = 60000;  // 8.6 MB of bf16 gradient
    std::mt19937 rng(7);
    std::normal_distribution<float> nd(0.f, 2.f);
    std::vector<uint16_t> z((size_t)(N * V));
    for (int64_t i = 0; i < N * V; ++i) z[(size_t)i] = eapo_f32_to_bf16(i % 101 == 3 ? -INFINITY : nd(rng));
    std::vector<int64_t> y((size_t)N);
    for (int64_t r = 0; r < N; ++r) y[(size_t)r] = (r * 7919) % V == 3 ? 4 : (r * 7919) % V;
    std::vector<float> old((size_t)N), adv((size_t)N), w((size_t)N, 1.0f), coef((size_t)N, 1.0f / (float)N);
    for (int64_t r = 0; r < N; ++r) {
        old[(size_t)r] = -11.0f + 0.1f * (float)(r % 9);
        adv[(size_t)r] = r % 2 ? 1.0f : -0.5f;
    }
    auto call = [&](uint16_t* logits, uint16_t* grad, int64_t r0, int64_t n) {
        eapo_policy_loss_args a = {};
        double loss = 0;
        a.logits = logits + r0 * V; a.dtype = EAPO_BF16; a.rows_outer = 1; a.rows_inner = n; a.stride_outer = n * V;
        a.stride_inner = V; a.vocab = V; a.targets = y.data() + r0; a.old_logp = old.data() + r0;
        a.advantages = adv.data() + r0; a.weights = w.data() + r0; a.coefs = coef.data() + r0; a.temperature = 1.0f;
        a.clip_low = 0.2f; a.clip_high = 0.28f; a.entropy_coef = 0.01f; a.batch_loss = &loss; a.grad = grad + r0 * V;
        a.grad_stride_outer = n * V; a.grad_stride_inner = V;
        char err[256];
        if (eapo_policy_loss_cpu(&a, err, sizeof err) != EAPO_OK) {
            std::printf("FAIL large call: %s\n", err);
            ++failures;
        }
    };
    // 64-byte aligned, as LibTorch allocates (only aligned rows are streamed)
    const size_t bytes_all = (size_t)(N * V) * 2;
    std::unique_ptr<uint16_t, void (*)(void*)> big(static_cast<uint16_t*>(std::aligned_alloc(64, bytes_all)), std::free);
    std::unique_ptr<uint16_t, void (*)(void*)> inplace(static_cast<uint16_t*>(std::aligned_alloc(64, bytes_all)),
                                                       std::free);
    std::memcpy(inplace.get(), z.data(), bytes_all);
    std::vector<uint16_t> small((size_t)(N * V));
    call(z.data(), big.get(), 0, N);
    call(inplace.get(), inplace.get(), 0, N);
    for (int64_t r = 0; r < N; r += 9) call(z.data(), small.data(), r, 1);
    for (int64_t r = 0; r < N; r += 9) {
        const size_t o = (size_t)(r * V), bytes = (size_t)V * 2;
        if (std::memcmp(big.get() + o, small.data() + o, bytes) != 0 ||
            std::memcmp(inplace.get() + o, small.data() + o, bytes) != 0) {
            std::printf("FAIL large call: gradient row %lld differs from the same row computed alone\n", (long long)r);
            ++failures;
        }
    }
}

void check_aliased_outputs_refused() {
    const int64_t N = 4, V = 8;
    std::vector<float> z(N * V, 0.5f), old(N, -2.0f), ref(N, -2.0f), adv(N, 1.0f), w(N, 1.0f), c(N, 0.25f);
    std::vector<float> tl(N), kl(N), spare(2 * N);
    std::vector<int64_t> y(N, 1);
    auto args = [&]() {
        eapo_policy_loss_args a = {};
        a.logits = z.data();
        a.dtype = EAPO_F32;
        a.rows_outer = 1;
        a.rows_inner = N;
        a.stride_outer = N * V;
        a.stride_inner = V;
        a.vocab = V;
        a.targets = y.data();
        a.old_logp = old.data();
        a.ref_logp = ref.data();
        a.advantages = adv.data();
        a.weights = w.data();
        a.coefs = c.data();
        a.temperature = 1.0f;
        a.token_loss = tl.data();
        a.kl = kl.data();
        return a;
    };
    char err[256];
    struct Bad {
        const char* what;
        void (*set)(eapo_policy_loss_args&, float* spare);
    };
    const Bad bad[] = {
        {"kl == ref_logp", [](eapo_policy_loss_args& a, float*) { a.kl = const_cast<float*>(a.ref_logp); }},
        {"kl == token_loss", [](eapo_policy_loss_args& a, float*) { a.kl = a.token_loss; }},
        {"kl inside the logits", [](eapo_policy_loss_args& a, float*) {
             a.kl = const_cast<float*>(static_cast<const float*>(a.logits)) + 3; }},
        {"kl half over entropy", [](eapo_policy_loss_args& a, float* sp) { a.entropy = sp; a.kl = sp + 2; }},
        {"logp == old_logp", [](eapo_policy_loss_args& a, float*) { a.logp = const_cast<float*>(a.old_logp); }},
    };
    for (const Bad& b : bad) {
        eapo_policy_loss_args a = args();
        b.set(a, spare.data());
        kl.assign(N, -1.0f);
        const int st = eapo_policy_loss_cpu(&a, err, sizeof err);
        if (st != EAPO_EINVAL || kl[0] != -1.0f) {
            std::printf("FAIL aliased outputs (%s): status %d, kl[0] %g\n", b.what, st, kl[0]);
            ++failures;
        }
    }
    eapo_policy_loss_args ok = args();
    ok.entropy = spare.data();
    ok.logp = spare.data() + N;  // adjacent, not overlapping
    if (eapo_policy_loss_cpu(&ok, err, sizeof err) != EAPO_OK) {
        std::printf("FAIL adjacent outputs refused: %s\n", err);
        ++failures;
    }
}

}  // namespace

// Every check once per SIMD level this CPU has (eapo_cpu_set_simd_level), so each compiled path stays tested.
int main() {
    std::printf("threads: %d, cuda compiled: %d, cuda devices: %d\n", eapo_cpu_get_num_threads(), eapo_cuda_compiled(),
                eapo_cuda_device_count());
    for (const char* level : {"avx512", "avx2", "generic"}) {
        if (eapo_cpu_set_simd_level(level) != EAPO_OK) {
            std::printf("simd level %s: not on this CPU, skipped\n", level);
            continue;
        }
        const int before = failures;
        std::printf("simd level: %s\n", eapo_cpu_simd_level());
        check_shape(1, 1, 1.0f, 1, KlMode::kNone);
        check_shape(3, 7, 0.7f, 2, KlMode::kInLoss);
        check_shape(64, 1000, 1.0f, 3, KlMode::kNone);
        check_shape(64, 1000, 1.0f, 3, KlMode::kInLoss);
        check_shape(64, 1000, 0.8f, 3, KlMode::kMonitorOnly);
        check_shape(9, 32000, 1.3f, 4, KlMode::kInLoss);
        check_shape(2, 151936, 1.0f, 5, KlMode::kNone);
        check_aliased_outputs_refused();
        check_factored_gradient();
        check_large_call_matches_small_calls();
        failures += golden::check_default_outputs();
        std::printf("simd level %s: %d failures\n", level, failures - before);
    }
    eapo_cpu_set_simd_level(nullptr);
    std::printf("%s: %d failures\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
