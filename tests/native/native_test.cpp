// Native self-check of the CPU kernels against a float64 evaluation of SPEC.md, with no Java or LibTorch involved.
// Build and run: native/build.sh target/native-build && target/native-build/bin/eapo4j_native_test
// (The thorough tests are the JUnit ones against LibTorch autograd; this one catches a broken build early.)
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace {

int failures = 0;

void expect_close(const char* what, double got, double want, double tol) {
    if (!(std::fabs(got - want) <= tol * (1.0 + std::fabs(want)))) {
        std::printf("FAIL %s: got %.9g want %.9g\n", what, got, want);
        ++failures;
    }
}

struct Ref {
    double lse, logp, entropy;
};

Ref reference_row(const std::vector<float>& z, int64_t off, int64_t V, int64_t y, double tau) {
    double m = -INFINITY;
    for (int64_t v = 0; v < V; ++v) m = std::max(m, z[off + v] / tau);
    double s = 0;
    for (int64_t v = 0; v < V; ++v) s += std::exp(z[off + v] / tau - m);
    double lse = m + std::log(s), h = 0;
    for (int64_t v = 0; v < V; ++v) {
        double lp = z[off + v] / tau - lse, p = std::exp(lp);
        if (p > 0) h -= p * lp;
    }
    return {lse, z[off + y] / tau - lse, h};
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
    int st = eapo_token_stats_cpu(z.data(), EAPO_F32, 1, N, N * V, V, V, y.data(), tau, logp.data(), ent.data(),
                                  err, sizeof err);
    if (st != EAPO_OK) {
        std::printf("FAIL token_stats status %d: %s\n", st, err);
        ++failures;
        return;
    }
    for (int64_t r = 0; r < N; ++r) {
        Ref ref = reference_row(z, r * V, V, y[r], tau);
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
    eapo_loss_config cfg{tau, 0.2f, 0.28f, 3.0f, 0.0f, 0.01f};
    double loss = 0;
    st = eapo_policy_loss_cpu(z.data(), EAPO_F32, 1, N, N * V, V, V, y.data(), old.data(), nullptr, adv.data(),
                              w.data(), c.data(), &cfg, &loss, tl.data(), lp2.data(), e2.data(), flags.data(),
                              g.data(), N * V, V, err, sizeof err);
    if (st != EAPO_OK) {
        std::printf("FAIL policy_loss status %d: %s\n", st, err);
        ++failures;
        return;
    }
    double want_loss = 0;
    for (int64_t r = 0; r < N; ++r) {
        Ref ref = reference_row(z, r * V, V, y[r], tau);
        double rho = std::exp(std::min(20.0, std::max(-20.0, ref.logp - old[r])));
        double rc = std::min(1.28, std::max(0.8, rho));
        double pg = std::max(-adv[r] * rho, -adv[r] * rc);
        bool dual = adv[r] < 0 && pg > -adv[r] * 3.0;
        if (dual) pg = -adv[r] * 3.0;
        double l = w[r] * pg - 0.01 * ref.entropy;
        want_loss += c[r] * l;
        double gl = (-adv[r] * rho >= -adv[r] * rc && !dual) ? -adv[r] * rho : 0.0;
        for (int64_t v = 0; v < V; ++v) {
            double lpv = z[r * V + v] / tau - ref.lse, p = std::exp(lpv);
            double want = (c[r] / tau) * (gl * ((v == y[r]) - p) + (p > 0 ? 0.01 * p * (lpv + ref.entropy) : 0));
            expect_close("grad", g[r * V + v], want, 1e-5);
        }
        expect_close("token_loss", tl[r], l, 2e-5);
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
        const double want = (double)cot * ((double)g * ((target ? 1.0 : 0.0) - pd) + (double)eta * pd * (lpd + h));
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
