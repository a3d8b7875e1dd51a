// Native self-check of the CPU kernels against the float64 evaluation of SPEC.md in reference_f64.h, with no Java or
// LibTorch involved.
// Build and run: native/build.sh target/native-build && target/native-build/bin/eapo4j_native_test
// (The thorough tests are the JUnit ones against LibTorch autograd; this one catches a broken build early.)
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"
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

void check_shape(int64_t N, int64_t V, float tau, unsigned seed) {
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
    std::vector<float> old(N), adv(N), w(N, 1.0f), c(N, 1.0f / N), tl(N), lp2(N), e2(N), g(N * V);
    std::vector<uint8_t> flags(N);
    for (int64_t r = 0; r < N; ++r) {
        old[r] = logp[r] + (float)((int)(r % 3) - 1) * 0.5f;
        adv[r] = (r % 2) ? 1.0f : -0.7f;
    }
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
    for (int64_t r = 0; r < N; ++r) {
        ref_f64::RowStats ref = reference_row(z, r * V, V, y[r], tau);
        ref_f64::TokenTerms t = ref_f64::token_terms(rcfg, ref.logp, ref.entropy, old[r], false, 0.0, adv[r], w[r]);
        want_loss += c[r] * t.loss;
        for (int64_t v = 0; v < V; ++v) {
            double want = ref_f64::grad_elem(c[r], tau, rcfg.entropy_coef, ref, t.g, z[r * V + v], v == y[r]);
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

}  // namespace

int main() {
    std::printf("simd level: %s, threads: %d, cuda compiled: %d, cuda devices: %d\n", eapo_cpu_simd_level(),
                eapo_cpu_get_num_threads(), eapo_cuda_compiled(), eapo_cuda_device_count());
    check_shape(1, 1, 1.0f, 1);
    check_shape(3, 7, 0.7f, 2);
    check_shape(64, 1000, 1.0f, 3);
    check_shape(9, 32000, 1.3f, 4);
    check_shape(2, 151936, 1.0f, 5);
    check_factored_gradient();
    std::printf("%s: %d failures\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
