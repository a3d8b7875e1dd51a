// Native check of the sampling op: eapo_sample_cpu (the fast kernel) against eapo_sample_cpu_reference (float64,
// full sort) with fixed uniforms over dtypes, V, filters and edge cases, then the time per row at V = 151,936.
//   native/build.sh /tmp/b && /tmp/b/bin/eapo4j_sampling_test [--bench]
// Exit status 0 only when every pick agrees.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"
#include "sampling_reference.h"

namespace {

struct Rows {
    std::vector<float> f32;
    std::vector<uint16_t> h16;
    int dtype;
    const void* ptr() const { return dtype == EAPO_F32 ? (const void*)f32.data() : (const void*)h16.data(); }
};

uint16_t to_half(float f) {
    _Float16 h = (_Float16)f;
    uint16_t u;
    std::memcpy(&u, &h, 2);
    return u;
}

Rows make_rows(std::mt19937_64& g, int dtype, int64_t n, int64_t v, float scale) {
    std::normal_distribution<float> nd(0.0f, scale);
    Rows r;
    r.dtype = dtype;
    r.f32.resize((size_t)(n * v));
    for (auto& x : r.f32) x = nd(g);
    if (dtype != EAPO_F32) {
        r.h16.resize(r.f32.size());
        for (size_t i = 0; i < r.f32.size(); ++i)
            r.h16[i] = dtype == EAPO_BF16 ? eapo_f32_to_bf16(r.f32[i]) : to_half(r.f32[i]);
    }
    return r;
}

void set(Rows& r, int64_t i, float x) {
    r.f32[(size_t)i] = x;
    if (r.dtype != EAPO_F32) r.h16[(size_t)i] = r.dtype == EAPO_BF16 ? eapo_f32_to_bf16(x) : to_half(x);
}

int failures = 0, cases = 0;

void compare(const char* what, Rows& rows, int64_t n, int64_t v, double tau, int64_t k, double p, double minp,
             const std::vector<int64_t>* valid, std::mt19937_64& g) {
    std::vector<double> u((size_t)n);
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    for (auto& x : u) x = ud(g);
    std::vector<int64_t> ids((size_t)n, -7), ref((size_t)n, -9);
    std::vector<float> lp((size_t)n), lpr((size_t)n);
    eapo_sample_args a{};
    a.logits = rows.ptr();
    a.dtype = rows.dtype;
    a.rows_outer = 1;
    a.rows_inner = n;
    a.stride_outer = n * v;
    a.stride_inner = v;
    a.vocab = v;
    a.valid_vocab = valid ? valid->data() : nullptr;
    a.uniforms = u.data();
    a.temperature = tau;
    a.top_k = k;
    a.top_p = p;
    a.min_p = minp;
    char err[256] = {0};
    a.ids = ids.data();
    a.logp = lp.data();
    int st = eapo_sample_cpu(&a, err, sizeof err);
    a.ids = ref.data();
    a.logp = lpr.data();
    int st2 = eapo_sample_cpu_reference(&a, err, sizeof err);
    ++cases;
    int bad = 0;
    for (int64_t r = 0; r < n && st == 0 && st2 == 0; ++r) {
        bool ok = ids[(size_t)r] == ref[(size_t)r] && std::fabs(lp[(size_t)r] - lpr[(size_t)r]) <= 1e-4f + 1e-4f * std::fabs(lpr[(size_t)r]);
        if (!ok && bad++ < 3)
            std::printf("  row %lld: fast %lld (logp %g) ref %lld (logp %g) u=%.9f\n", (long long)r,
                        (long long)ids[(size_t)r], lp[(size_t)r], (long long)ref[(size_t)r], lpr[(size_t)r], u[(size_t)r]);
    }
    if (st != 0 || st2 != 0 || bad) {
        ++failures;
        std::printf("FAIL %s dtype=%d V=%lld tau=%g k=%lld p=%g minp=%g: status %d/%d %s, %d rows differ\n", what,
                    rows.dtype, (long long)v, tau, (long long)k, p, minp, st, st2, err, bad);
    }
}

// API errors: EINVAL with a message naming the argument or the row, never a crash.
void api_errors() {
    std::vector<float> z(4 * 10, 0.5f);
    std::vector<double> u = {0.1, 0.2, 0.3, 0.4};
    std::vector<int64_t> ids(4), valid = {10, 10, 10, 10};
    auto base = [&] {
        eapo_sample_args a{};
        a.logits = z.data();
        a.dtype = EAPO_F32;
        a.rows_outer = 1;
        a.rows_inner = 4;
        a.stride_outer = 40;
        a.stride_inner = 10;
        a.vocab = 10;
        a.uniforms = u.data();
        a.temperature = 1.0;
        a.top_p = 1.0;
        a.ids = ids.data();
        return a;
    };
    struct Bad { const char* what; eapo_sample_args a; const char* expect; };
    std::vector<Bad> bad;
    { auto a = base(); a.logits = nullptr; bad.push_back({"null logits", a, "logits"}); }
    { auto a = base(); a.ids = nullptr; bad.push_back({"null ids", a, "ids"}); }
    { auto a = base(); a.uniforms = nullptr; bad.push_back({"null uniforms", a, "uniforms"}); }
    { auto a = base(); a.temperature = -1; bad.push_back({"temperature", a, "temperature"}); }
    { auto a = base(); a.top_k = -1; bad.push_back({"top_k", a, "top_k"}); }
    { auto a = base(); a.top_p = 0; bad.push_back({"top_p", a, "top_p"}); }
    { auto a = base(); a.min_p = 2; bad.push_back({"min_p", a, "min_p"}); }
    { auto a = base(); a.dtype = 9; bad.push_back({"dtype", a, "dtype"}); }
    { auto a = base(); a.vocab = (int64_t)1 << 31; bad.push_back({"vocab", a, "vocab"}); }
    std::vector<double> u_bad = {0.1, 1.0, 0.3, 0.4};
    { auto a = base(); a.uniforms = u_bad.data(); bad.push_back({"uniform 1.0", a, "uniforms[1]"}); }
    std::vector<int64_t> v_bad = {10, 10, 11, 10};
    { auto a = base(); a.valid_vocab = v_bad.data(); bad.push_back({"valid_vocab", a, "valid_vocab[2]"}); }
    for (Bad& b : bad) {
        char err[256] = {0};
        int st = eapo_sample_cpu(&b.a, err, sizeof err);
        ++cases;
        if (st != EAPO_EINVAL || std::strstr(err, b.expect) == nullptr) {
            ++failures;
            std::printf("FAIL api %s: status %d '%s' (want EINVAL naming %s)\n", b.what, st, err, b.expect);
        }
    }
    char err[256] = {0};
    if (eapo_sample_cpu(nullptr, err, sizeof err) != EAPO_EINVAL) { ++failures; std::printf("FAIL api NULL args\n"); }
    // a NaN in row 2, an all -inf row 3: the first bad row is named
    z[2 * 10 + 4] = NAN;
    for (int i = 0; i < 10; ++i) z[30 + i] = -INFINITY;
    eapo_sample_args a = base();
    int st = eapo_sample_cpu(&a, err, sizeof err);
    ++cases;
    if (st != EAPO_EINVAL || std::strstr(err, "row 2") == nullptr) {
        ++failures;
        std::printf("FAIL NaN row: status %d '%s'\n", st, err);
    }
    z[2 * 10 + 4] = 0.0f;
    st = eapo_sample_cpu(&a, err, sizeof err);
    ++cases;
    if (st != EAPO_EINVAL || std::strstr(err, "row 3") == nullptr || std::strstr(err, "no finite") == nullptr) {
        ++failures;
        std::printf("FAIL masked row: status %d '%s'\n", st, err);
    }
    z[2 * 10 + 4] = INFINITY;
    valid = {10, 10, 4, 10};  // +inf past valid_vocab is never read; row 3 is still all -inf
    a.valid_vocab = valid.data();
    st = eapo_sample_cpu(&a, err, sizeof err);
    ++cases;
    if (st != EAPO_EINVAL || std::strstr(err, "row 3") == nullptr) {
        ++failures;
        std::printf("FAIL valid_vocab hides +inf: status %d '%s'\n", st, err);
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool bench = argc > 1 && std::strcmp(argv[1], "--bench") == 0;
    const int64_t vs[] = {1, 7, 100, 1000, 5000, 151936};
    // Every case once per SIMD level this CPU has, so each compiled path stays tested.
    for (const char* level : {"avx512", "avx2", "generic"}) {
    if (eapo_cpu_set_simd_level(level) != EAPO_OK) continue;
    std::printf("simd level: %s\n", eapo_cpu_simd_level());
    std::mt19937_64 g(42);
    for (int dt : {EAPO_F32, EAPO_BF16, EAPO_F16}) {
        for (int64_t v : vs) {
            int64_t n = v > 10000 ? 6 : 40;
            for (float scale : {1.0f, 4.0f}) {
                Rows rows = make_rows(g, dt, n, v, scale);
                struct Cfg { double tau; int64_t k; double p, minp; } cfgs[] = {
                    {1, 0, 1, 0}, {0.7, 50, 0.95, 0}, {1, 50, 1, 0}, {1, 0, 0.95, 0}, {1.3, 0, 0.5, 0},
                    {1, 0, 1, 0.05}, {0.8, 20, 0.9, 0.1}, {1, 0, 1e-9, 0}, {1, 1, 1, 0}, {0, 0, 1, 0},
                    {1, v + 5, 1, 0}, {1, v, 0.99, 0}, {0.05, 5, 0.9, 0}, {20, 3000, 0.3, 0}};
                for (const Cfg& c : cfgs) compare("random", rows, n, v, c.tau, c.k, c.p, c.minp, nullptr, g);
            }
        }
        // edge cases: all but one masked, ties, valid_vocab < V, masked runs
        int64_t v = 1000, n = 8;
        Rows rows = make_rows(g, dt, n, v, 1.0f);
        for (int64_t r = 0; r < n; ++r)
            for (int64_t i = 0; i < v; ++i)
                if (r == 0 ? i != 417 : (r == 1 ? i % 3 == 0 : false)) set(rows, r * v + i, -INFINITY);
        for (int64_t i = 0; i < v; ++i) set(rows, 2 * v + i, (float)(i % 5));  // many ties
        for (int64_t i = 0; i < v; ++i) set(rows, 3 * v + i, 1.0f);          // all equal
        std::vector<int64_t> valid = {1000, 999, 500, 1, 3, 700, 1000, 64};
        for (double p : {1.0, 0.95, 0.3, 1e-12})
            for (int64_t k : {0, 1, 2, 50, 999, 5000})
                for (double minp : {0.0, 0.2}) {
                    compare("edge", rows, n, v, 1.0, k, p, minp, nullptr, g);
                    compare("edge-valid", rows, n, v, 0.9, k, p, minp, &valid, g);
                }
    }
    }
    eapo_cpu_set_simd_level(nullptr);
    std::mt19937_64 g(43);
    api_errors();
    std::printf("%d cases, %d failed\n", cases, failures);
    if (bench) {
        int64_t v = 151936, n = 16;
        for (int dt : {EAPO_F32, EAPO_BF16}) {
            Rows rows = make_rows(g, dt, n, v, 3.0f);
            std::vector<double> u((size_t)n, 0.5);
            std::vector<int64_t> ids((size_t)n);
            eapo_cpu_set_num_threads(1);
            struct Cfg { const char* name; double tau; int64_t k; double p; } cfgs[] = {
                {"top-k 50 + top-p 0.95", 0.7, 50, 0.95}, {"top-k 50", 1, 50, 1}, {"top-p 0.95", 1, 0, 0.95},
                {"plain", 1, 0, 1}, {"greedy", 0, 0, 1}};
            for (const Cfg& c : cfgs) {
                eapo_sample_args a{};
                a.logits = rows.ptr(); a.dtype = dt; a.rows_outer = 1; a.rows_inner = n; a.stride_outer = n * v;
                a.stride_inner = v; a.vocab = v; a.uniforms = u.data(); a.temperature = c.tau; a.top_k = c.k;
                a.top_p = c.p; a.min_p = 0; a.ids = ids.data();
                char err[256];
                eapo_sample_cpu(&a, err, sizeof err);
                double best = 1e30;  // the fastest of 20 calls: the machine is shared, the minimum is the signal
                for (int i = 0; i < 20; ++i) {
                    auto t0 = std::chrono::steady_clock::now();
                    eapo_sample_cpu(&a, err, sizeof err);
                    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                    best = ms < best ? ms : best;
                }
                std::printf("bench %s V=%lld %-22s %.3f ms/row (1 thread, best of 20 calls of %lld rows)\n",
                            dt == EAPO_F32 ? "f32 " : "bf16", (long long)v, c.name, best / n, (long long)n);
            }
        }
    }
    return failures == 0 ? 0 : 1;
}
