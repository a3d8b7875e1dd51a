// Sampling on the GPU (cuda/sampling.cu through eapo_sample_cuda) against the CPU float64 full-sort reference
// (eapo_sample_cpu_reference, native/src/sampling_cpu.cpp), with fixed uniforms: every id must be the reference's
// pick, except where the pick is ambiguous: the reference itself picks differently with u, top_p or min_p moved by
// 1e-6 (float32 exp in the kernel may then land on either side). Then the time per call.
//   native/build.sh /tmp/b && /tmp/b/bin/eapo4j_sampling_gpu_test [--small] [--bench]
//   cuda/dev/emu/run_host_emulation.sh [dir] (builds and runs this under host emulation as well, --small)
// Without a CUDA device: checks the API refuses cleanly, prints "SKIPPED: no CUDA device" and exits 0.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"
#include "sampling_reference.h"

namespace {

int g_failures = 0, g_cases = 0, g_ambiguous = 0;

#define CK(x)                                                                                          \
    do {                                                                                               \
        cudaError_t e_ = (x);                                                                          \
        if (e_ != cudaSuccess) {                                                                       \
            std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__);      \
            std::exit(2);                                                                              \
        }                                                                                              \
    } while (0)

struct DevBuf {
    void* p = nullptr;
    explicit DevBuf(size_t bytes) { CK(cudaMalloc(&p, bytes ? bytes : 1)); }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    ~DevBuf() { cudaFree(p); }
};

uint16_t to16(int dt, float f) {
    if (dt == EAPO_BF16) return eapo_f32_to_bf16(f);
    __half_raw hr = __half_raw(__float2half_rn(f));
    return hr.x;
}

struct Rows {
    int dt;
    int64_t n, v;
    std::vector<uint8_t> bytes;
    void set(int64_t i, float f) {
        if (dt == EAPO_F32) std::memcpy(bytes.data() + 4 * i, &f, 4);
        else {
            uint16_t h = to16(dt, f);
            std::memcpy(bytes.data() + 2 * i, &h, 2);
        }
    }
};

Rows make_rows(std::mt19937_64& g, int dt, int64_t n, int64_t v, float scale) {
    Rows r{dt, n, v, std::vector<uint8_t>((size_t)(n * v * (dt == EAPO_F32 ? 4 : 2)))};
    std::normal_distribution<float> nd(0.0f, scale);
    for (int64_t i = 0; i < n * v; ++i) r.set(i, nd(g));
    return r;
}

eapo_sample_args args_for(const Rows& rows, const void* logits, double tau, int64_t k, double p, double minp) {
    eapo_sample_args a{};
    a.logits = logits;
    a.dtype = rows.dt;
    a.rows_outer = 1;
    a.rows_inner = rows.n;
    a.stride_outer = rows.n * rows.v;
    a.stride_inner = rows.v;
    a.vocab = rows.v;
    a.temperature = tau;
    a.top_k = k;
    a.top_p = p;
    a.min_p = minp;
    return a;
}

// The reference pick of row r with u, top_p and min_p as given.
int64_t ref_pick(const Rows& rows, const std::vector<int64_t>* valid, int64_t r, double tau, int64_t k, double p,
                 double minp, double u, float* logp) {
    const int64_t off = r * rows.v * (rows.dt == EAPO_F32 ? 4 : 2);
    eapo_sample_args a{};
    a.logits = rows.bytes.data() + off;
    a.dtype = rows.dt;
    a.rows_outer = 1;
    a.rows_inner = 1;
    a.stride_outer = rows.v;
    a.stride_inner = rows.v;
    a.vocab = rows.v;
    const int64_t vr = valid ? (*valid)[(size_t)r] : rows.v;
    a.valid_vocab = &vr;
    a.uniforms = &u;
    a.temperature = tau;
    a.top_k = k;
    a.top_p = p;
    a.min_p = minp;
    int64_t id = -5;
    float lp = 0.0f;
    a.ids = &id;
    a.logp = &lp;
    char err[256];
    if (eapo_sample_cpu_reference(&a, err, sizeof err) != EAPO_OK) return -100;
    if (logp) *logp = lp;
    return id;
}

void run(const char* what, const Rows& rows, double tau, int64_t k, double p, double minp,
         const std::vector<int64_t>* valid, std::mt19937_64& g) {
    const int64_t n = rows.n;
    std::vector<double> u((size_t)n);
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    for (auto& x : u) x = ud(g);
    DevBuf dl(rows.bytes.size()), du(n * 8), dids(n * 8), dlp(n * 4), dvalid(n * 8);
    CK(cudaMemcpy(dl.p, rows.bytes.data(), rows.bytes.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(du.p, u.data(), n * 8, cudaMemcpyHostToDevice));
    if (valid) CK(cudaMemcpy(dvalid.p, valid->data(), n * 8, cudaMemcpyHostToDevice));
    eapo_sample_args a = args_for(rows, dl.p, tau, k, p, minp);
    a.uniforms = static_cast<double*>(du.p);
    a.valid_vocab = valid ? static_cast<int64_t*>(dvalid.p) : nullptr;
    a.ids = static_cast<int64_t*>(dids.p);
    a.logp = static_cast<float*>(dlp.p);
    char err[256] = {0};
    int st = eapo_sample_cuda(&a, nullptr, err, sizeof err);
    ++g_cases;
    if (st != EAPO_OK) {
        ++g_failures;
        std::printf("FAIL %s: status %d: %s\n", what, st, err);
        return;
    }
    std::vector<int64_t> ids((size_t)n);
    std::vector<float> lp((size_t)n);
    CK(cudaMemcpy(ids.data(), dids.p, n * 8, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(lp.data(), dlp.p, n * 4, cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int64_t r = 0; r < n; ++r) {
        float want_lp = 0.0f;
        const int64_t want = ref_pick(rows, valid, r, tau, k, p, minp, u[(size_t)r], &want_lp);
        if (ids[(size_t)r] == want) {
            if (std::fabs(lp[(size_t)r] - want_lp) > 1e-4 + 1e-4 * std::fabs(want_lp)) {
                if (bad++ < 3)
                    std::printf("  row %lld: log-prob %g, reference %g\n", (long long)r, lp[(size_t)r], want_lp);
            }
            continue;
        }
        bool ambiguous = false;
        for (double d : {-1e-6, 1e-6}) {
            ambiguous |= ref_pick(rows, valid, r, tau, k, p, minp, std::min(std::max(u[(size_t)r] + d, 0.0), 0.999999999), nullptr) != want;
            if (p < 1.0) ambiguous |= ref_pick(rows, valid, r, tau, k, std::min(p + d, 1.0), minp, u[(size_t)r], nullptr) != want;
            if (minp > 0.0) ambiguous |= ref_pick(rows, valid, r, tau, k, p, std::max(minp + d, 0.0), u[(size_t)r], nullptr) != want;
        }
        if (ambiguous) {
            ++g_ambiguous;
            continue;
        }
        if (bad++ < 3)
            std::printf("  row %lld: GPU %lld, reference %lld (u = %.9f)\n", (long long)r, (long long)ids[(size_t)r],
                        (long long)want, u[(size_t)r]);
    }
    if (bad) {
        ++g_failures;
        std::printf("FAIL %s dt=%d V=%lld tau=%g k=%lld p=%g minp=%g: %d rows\n", what, rows.dt, (long long)rows.v, tau,
                    (long long)k, p, minp, bad);
    }
}

void bad_rows(int dt) {
    std::mt19937_64 g(5);
    Rows rows = make_rows(g, dt, 4, 300, 1.0f);
    rows.set(2 * 300 + 17, NAN);
    for (int64_t i = 0; i < 300; ++i) rows.set(300 + i, -INFINITY);
    DevBuf dl(rows.bytes.size()), du(32), dids(32);
    std::vector<double> u = {0.1, 0.2, 0.3, 0.4};
    CK(cudaMemcpy(dl.p, rows.bytes.data(), rows.bytes.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(du.p, u.data(), 32, cudaMemcpyHostToDevice));
    eapo_sample_args a = args_for(rows, dl.p, 1.0, 10, 0.9, 0.0);
    a.uniforms = static_cast<double*>(du.p);
    a.ids = static_cast<int64_t*>(dids.p);
    char err[256] = {0};
    int st = eapo_sample_cuda(&a, nullptr, err, sizeof err);
    ++g_cases;
    if (st != EAPO_EINVAL || std::strstr(err, "row 1") == nullptr) {
        ++g_failures;
        std::printf("FAIL bad rows dt=%d: status %d '%s' (want EINVAL naming row 1)\n", dt, st, err);
    }
    rows.set(300, 1.0f);  // row 1 now has one live id: the first bad row is 2 (NaN)
    CK(cudaMemcpy(dl.p, rows.bytes.data(), rows.bytes.size(), cudaMemcpyHostToDevice));
    st = eapo_sample_cuda(&a, nullptr, err, sizeof err);
    ++g_cases;
    if (st != EAPO_EINVAL || std::strstr(err, "row 2") == nullptr || std::strstr(err, "NaN") == nullptr) {
        ++g_failures;
        std::printf("FAIL NaN row dt=%d: status %d '%s' (want EINVAL naming row 2)\n", dt, st, err);
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool small = false, bench = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--small") == 0) small = true;
        if (std::strcmp(argv[i], "--bench") == 0) bench = true;
    }
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess) ndev = 0;
    if (ndev == 0) {
        eapo_sample_args a{};
        char err[128];
        int st = eapo_sample_cuda(&a, nullptr, err, sizeof err);
        if (st == EAPO_OK) {
            std::printf("FAILED: eapo_sample_cuda accepted NULL logits without a device\n");
            return 1;
        }
        std::printf("SKIPPED: no CUDA device\n");
        return 0;
    }
    std::mt19937_64 g(42);
    struct Cfg { double tau; int64_t k; double p, minp; };
    for (int dt : {EAPO_F32, EAPO_BF16, EAPO_F16}) {
        std::vector<int64_t> vs = small ? std::vector<int64_t>{1, 7, 1000, 151936} : std::vector<int64_t>{1, 7, 100, 1000, 5003, 151936};
        for (int64_t v : vs) {
            int64_t n = small ? (v > 10000 ? 2 : 4) : (v > 10000 ? 16 : 64);
            Rows rows = make_rows(g, dt, n, v, v > 10000 ? 3.0f : 1.5f);
            const Cfg cfgs[] = {{1, 0, 1, 0},   {0.7, 50, 0.95, 0}, {1, 50, 1, 0},      {1, 0, 0.95, 0},
                                {1, 0, 1, 0.05}, {0.8, 20, 0.9, 0.1}, {1, 0, 1e-9, 0}, {0, 0, 1, 0},
                                {1, 1, 1, 0},   {1, v + 3, 0.99, 0}, {0.05, 5, 0.9, 0}, {1.0, 0, 0.8, 0.2}};
            for (const Cfg& c : cfgs) run("random", rows, c.tau, c.k, c.p, c.minp, nullptr, g);
        }
        // ties, all-but-one masked, valid_vocab < V
        const int64_t v = 1000, n = 6;
        Rows rows = make_rows(g, dt, n, v, 1.0f);
        for (int64_t i = 0; i < v; ++i) {
            if (i != 417) rows.set(i, -INFINITY);
            if (i % 3 == 0) rows.set(v + i, -INFINITY);
            rows.set(2 * v + i, (float)(i % 5));
            rows.set(3 * v + i, 1.0f);
        }
        rows.set(4 * v + 999, 50.0f);
        std::vector<int64_t> valid = {1000, 1000, 1000, 1000, 998, 1};
        for (int64_t k : {0, 1, 2, 50, 999})
            for (double p : {1.0, 0.95, 0.3, 1e-12})
                for (double minp : {0.0, 0.2}) {
                    run("edge", rows, 0.9, k, p, minp, &valid, g);
                    if (!small) run("edge-all", rows, 1.0, k, p, minp, nullptr, g);
                }
        run("edge-greedy", rows, 0.0, 0, 1.0, 0.0, &valid, g);
        bad_rows(dt);
    }
    std::printf("%s: %d cases, %d failed, %d ambiguous rows tolerated\n", g_failures ? "FAILED" : "OK", g_cases,
                g_failures, g_ambiguous);
    if (bench) {
        for (int64_t n : {8, 64, 512}) {
            const int64_t v = 151936;
            Rows rows = make_rows(g, EAPO_BF16, n, v, 3.0f);
            DevBuf dl(rows.bytes.size()), du(n * 8), dids(n * 8);
            std::vector<double> u((size_t)n, 0.5);
            CK(cudaMemcpy(dl.p, rows.bytes.data(), rows.bytes.size(), cudaMemcpyHostToDevice));
            CK(cudaMemcpy(du.p, u.data(), n * 8, cudaMemcpyHostToDevice));
            const Cfg cfgs[] = {{0.7, 50, 0.95, 0}, {1, 0, 1, 0}, {1, 0, 0.95, 0}, {0, 0, 1, 0}};
            const char* names[] = {"top-k 50 + top-p 0.95", "plain", "top-p 0.95", "greedy"};
            for (int c = 0; c < 4; ++c) {
                eapo_sample_args a = args_for(rows, dl.p, cfgs[c].tau, cfgs[c].k, cfgs[c].p, cfgs[c].minp);
                a.uniforms = static_cast<double*>(du.p);
                a.ids = static_cast<int64_t*>(dids.p);
                char err[256];
                eapo_sample_cuda(&a, nullptr, err, sizeof err);
                const int reps = 20;
                auto t0 = std::chrono::steady_clock::now();
                for (int i = 0; i < reps; ++i) eapo_sample_cuda(&a, nullptr, err, sizeof err);
                double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
                std::printf("bench bf16 N=%lld V=%lld %-22s %.3f ms per call (%.4f ms per row)\n", (long long)n,
                            (long long)v, names[c], ms, ms / n);
            }
        }
    }
    return g_failures ? 1 : 0;
}
