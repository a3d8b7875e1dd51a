// Native self-check of the CPU kernels against a float64 evaluation of SPEC.md, with no Java or LibTorch involved.
// Build and run: native/build.sh target/native-build && target/native-build/bin/eapo4j_native_test
// (The thorough tests are the JUnit ones against LibTorch autograd; this one catches a broken build early.)
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "eapo4j.h"

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

}  // namespace

int main() {
    std::printf("simd level: %s, threads: %d, cuda compiled: %d, cuda devices: %d\n", eapo_cpu_simd_level(),
                eapo_cpu_get_num_threads(), eapo_cuda_compiled(), eapo_cuda_device_count());
    check_shape(1, 1, 1.0f, 1);
    check_shape(3, 7, 0.7f, 2);
    check_shape(64, 1000, 1.0f, 3);
    check_shape(9, 32000, 1.3f, 4);
    check_shape(2, 151936, 1.0f, 5);
    std::printf("%s: %d failures\n", failures ? "FAILED" : "OK", failures);
    return failures ? 1 : 0;
}
