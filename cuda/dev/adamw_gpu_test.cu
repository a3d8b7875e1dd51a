// The fused AdamW step on the GPU (cuda/adamw.cu through eapo_adamw_cuda) against the CPU kernel of the same library
// (eapo_adamw_cpu, native/src/adamw_cpu.cpp): both run the operations of native/include/eapo4j_adamw.h in the same
// order without FMA, so the parameter and both moments must match bit for bit, for every dtype combination, sizes
// that are not multiples of the launch shape, several steps. The CPU kernel itself is checked against float64 by the
// Java tests (tests/kernels/.../FusedAdamWTest). Then, with --bench, the time per call on 16M elements and the
// bandwidth it reaches against a device-to-device copy.
//   native/build.sh /tmp/b && /tmp/b/bin/eapo4j_adamw_gpu_test [--small] [--bench]
//   cuda/dev/emu/run_host_emulation.sh [dir] --adamw    (the same program under host emulation, --small)
// Without a CUDA device: checks that the API refuses cleanly, prints "SKIPPED: no CUDA device" and exits 0.
// Exit status: 0 when every comparison passed, 1 otherwise.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace {

int g_failures = 0, g_cases = 0;

#define CK(x)                                                                                          \
    do {                                                                                               \
        cudaError_t e_ = (x);                                                                          \
        if (e_ != cudaSuccess) {                                                                       \
            std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__);      \
            std::exit(2);                                                                              \
        }                                                                                              \
    } while (0)

void fail(const std::string& what) {
    ++g_failures;
    if (g_failures <= 40) std::printf("FAIL %s\n", what.c_str());
}

size_t esize(int dt) { return dt == EAPO_F32 ? 4 : 2; }
const char* dtname(int dt) { return dt == EAPO_F32 ? "f32" : dt == EAPO_BF16 ? "bf16" : "f16"; }

// n values of dtype dt drawn as scale * N(0, 1), as raw bytes.
std::vector<uint8_t> random_values(std::mt19937_64& g, int dt, int64_t n, double scale) {
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<uint8_t> out((size_t)n * esize(dt));
    for (int64_t i = 0; i < n; ++i) {
        const float f = (float)(nd(g) * scale);
        if (dt == EAPO_F32) {
            std::memcpy(out.data() + 4 * i, &f, 4);
        } else {
            const uint16_t h = dt == EAPO_BF16 ? eapo_f32_to_bf16(f) : __half_as_ushort(__float2half_rn(f));
            std::memcpy(out.data() + 2 * i, &h, 2);
        }
    }
    return out;
}

struct DevBuf {
    void* p = nullptr;
    explicit DevBuf(const std::vector<uint8_t>& host) {
        CK(cudaMalloc(&p, host.size() ? host.size() : 1));
        if (!host.empty()) CK(cudaMemcpy(p, host.data(), host.size(), cudaMemcpyHostToDevice));
    }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    ~DevBuf() { cudaFree(p); }
    std::vector<uint8_t> get(size_t bytes) const {
        std::vector<uint8_t> h(bytes);
        if (bytes) CK(cudaMemcpy(h.data(), p, bytes, cudaMemcpyDeviceToHost));
        return h;
    }
};

std::string err_text(int st, const char* err) { return "status " + std::to_string(st) + ": " + err; }

// Three steps on the CPU and on the GPU from the same start; every stored byte must agree after each step.
void run_case(std::mt19937_64& g, int pd, int gd, int sd, int64_t n) {
    ++g_cases;
    std::vector<uint8_t> p = random_values(g, pd, n, 1.0), m = random_values(g, sd, n, 1e-3),
                         v = random_values(g, sd, n, 0.0);
    for (int64_t i = 0; i < n && sd == EAPO_F32; ++i) {  // a positive second moment to start from
        float f;
        std::memcpy(&f, m.data() + 4 * i, 4);
        f = f * f;
        std::memcpy(v.data() + 4 * i, &f, 4);
    }
    DevBuf dp(p), dm(m), dv(v);
    const std::string name = std::string(dtname(pd)) + "/" + dtname(gd) + "/" + dtname(sd) + " n=" + std::to_string(n);
    for (int step = 1; step <= 3; ++step) {
        std::vector<uint8_t> grad = random_values(g, gd, n, 1e-2);
        DevBuf dg(grad);
        eapo_adamw_args a{};
        a.n = n;
        a.param_dtype = pd;
        a.grad_dtype = gd;
        a.state_dtype = sd;
        a.lr = 1e-3 * step;
        a.beta1 = 0.9;
        a.beta2 = 0.999;
        a.eps = 1e-8;
        a.weight_decay = step == 2 ? 0.0 : 0.1;
        a.step = step;
        a.grad_scale = step == 3 ? 0.37 : 1.0;
        char err[256] = "";
        a.param = p.data();
        a.grad = grad.data();
        a.exp_avg = m.data();
        a.exp_avg_sq = v.data();
        int st = eapo_adamw_cpu(&a, err, sizeof err);
        if (st != EAPO_OK) return fail(name + " cpu " + err_text(st, err));
        a.param = dp.p;
        a.grad = dg.p;
        a.exp_avg = dm.p;
        a.exp_avg_sq = dv.p;
        st = eapo_adamw_cuda(&a, nullptr, err, sizeof err);
        if (st != EAPO_OK) return fail(name + " cuda " + err_text(st, err));
        CK(cudaDeviceSynchronize());
        const struct { const char* what; const std::vector<uint8_t>& host; const DevBuf& dev; } outs[] = {
            {"param", p, dp}, {"exp_avg", m, dm}, {"exp_avg_sq", v, dv}};
        for (const auto& o : outs) {
            const std::vector<uint8_t> got = o.dev.get(o.host.size());
            if (got != o.host) {
                size_t b = 0;
                while (got[b] == o.host[b]) ++b;
                return fail(name + " step " + std::to_string(step) + ": " + o.what + " differs from the CPU at byte " +
                            std::to_string(b));
            }
        }
    }
}

// Arguments the CUDA front end must refuse with EAPO_EINVAL (never a launch on bad memory).
void check_api_errors() {
    std::vector<float> host(16, 1.0f);
    std::vector<uint8_t> zeros(64, 0);
    DevBuf d1(zeros), d2(zeros), d3(zeros), d4(zeros);
    eapo_adamw_args a{};
    a.n = 16;
    a.param_dtype = a.grad_dtype = a.state_dtype = EAPO_F32;
    a.lr = 1e-3;
    a.beta1 = 0.9;
    a.beta2 = 0.999;
    a.eps = 1e-8;
    a.step = 1;
    a.grad_scale = 1.0;
    a.param = d1.p;
    a.grad = d2.p;
    a.exp_avg = d3.p;
    a.exp_avg_sq = d4.p;
    char err[256];
    if (eapo_adamw_cuda(&a, nullptr, err, sizeof err) != EAPO_OK) fail(std::string("valid call refused: ") + err);
    eapo_adamw_args b = a;
    b.grad = host.data();
    if (eapo_adamw_cuda(&b, nullptr, err, sizeof err) != EAPO_EINVAL) fail("a host grad pointer was not refused");
    b = a;
    b.exp_avg = d1.p;
    if (eapo_adamw_cuda(&b, nullptr, err, sizeof err) != EAPO_EINVAL) fail("exp_avg aliasing param was not refused");
    b = a;
    b.beta2 = 1.0;
    if (eapo_adamw_cuda(&b, nullptr, err, sizeof err) != EAPO_EINVAL) fail("beta2 = 1 was not refused");
    CK(cudaDeviceSynchronize());
}

#if !defined(EAPO4J_HOST_EMULATION)  // the emulated runtime has no events, and its timings would mean nothing
// Time per call on 16M elements, and the bandwidth reached: bytes = n * (2 * param + grad + 4 * state).
void bench() {
    const int64_t n = 16 << 20;
    float copy_ms = 0;
    {
        std::vector<uint8_t> z((size_t)n * 4, 0);
        DevBuf a(z), b(z);
        cudaEvent_t e0, e1;
        CK(cudaEventCreate(&e0));
        CK(cudaEventCreate(&e1));
        CK(cudaMemcpy(b.p, a.p, z.size(), cudaMemcpyDeviceToDevice));
        CK(cudaEventRecord(e0));
        for (int i = 0; i < 20; ++i) CK(cudaMemcpyAsync(b.p, a.p, z.size(), cudaMemcpyDeviceToDevice));
        CK(cudaEventRecord(e1));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&copy_ms, e0, e1));
        copy_ms /= 20;
    }
    const double copy_gbs = 2.0 * n * 4 / (copy_ms * 1e-3) / 1e9;
    std::printf("copy roofline: %.1f GB/s (D2D, read + write)\n", copy_gbs);
    std::mt19937_64 g(3);
    const int combos[][3] = {{EAPO_BF16, EAPO_BF16, EAPO_F32}, {EAPO_F32, EAPO_F32, EAPO_F32},
                             {EAPO_BF16, EAPO_BF16, EAPO_BF16}};
    for (const auto& c : combos) {
        std::vector<uint8_t> p = random_values(g, c[0], n, 1.0), gr = random_values(g, c[1], n, 1e-2),
                             m = random_values(g, c[2], n, 0.0), v = random_values(g, c[2], n, 0.0);
        DevBuf dp(p), dg(gr), dm(m), dv(v);
        eapo_adamw_args a{};
        a.n = n;
        a.param_dtype = c[0];
        a.grad_dtype = c[1];
        a.state_dtype = c[2];
        a.lr = 1e-4;
        a.beta1 = 0.9;
        a.beta2 = 0.999;
        a.eps = 1e-8;
        a.weight_decay = 0.1;
        a.step = 1;
        a.grad_scale = 1.0;
        a.param = dp.p;
        a.grad = dg.p;
        a.exp_avg = dm.p;
        a.exp_avg_sq = dv.p;
        char err[256];
        cudaEvent_t e0, e1;
        CK(cudaEventCreate(&e0));
        CK(cudaEventCreate(&e1));
        eapo_adamw_cuda(&a, nullptr, err, sizeof err);
        CK(cudaEventRecord(e0));
        for (int i = 0; i < 20; ++i) eapo_adamw_cuda(&a, nullptr, err, sizeof err);
        CK(cudaEventRecord(e1));
        CK(cudaEventSynchronize(e1));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        ms /= 20;
        const double bytes = (double)n * (2 * esize(c[0]) + esize(c[1]) + 4 * esize(c[2]));
        const double gbs = bytes / (ms * 1e-3) / 1e9;
        std::printf("adamw %s param, %s grad, %s state, n=%lld: %.3f ms, %.1f GB/s, %.0f%% of copy bandwidth\n",
                    dtname(c[0]), dtname(c[1]), dtname(c[2]), (long long)n, ms, gbs, 100.0 * gbs / copy_gbs);
    }
}

#else
void bench() { std::printf("--bench: not under host emulation\n"); }
#endif

}  // namespace

int main(int argc, char** argv) {
    bool small = false, do_bench = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--small") == 0) small = true;
        else if (std::strcmp(argv[i], "--bench") == 0) do_bench = true;
        else {
            std::printf("usage: %s [--small] [--bench]\n", argv[0]);
            return 2;
        }
    }
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess) ndev = 0;
    if (ndev == 0) {
        eapo_adamw_args a{};
        char err[128];
        if (eapo_adamw_cuda(&a, nullptr, err, sizeof err) == EAPO_OK) {
            std::printf("FAILED: eapo_adamw_cuda accepted a zeroed args struct without a device\n");
            return 1;
        }
        std::printf("SKIPPED: no CUDA device\n");
        return 0;
    }
    std::mt19937_64 g(42);
    const int combos[][3] = {{EAPO_F32, EAPO_F32, EAPO_F32},    {EAPO_BF16, EAPO_BF16, EAPO_BF16},
                             {EAPO_BF16, EAPO_BF16, EAPO_F32},  {EAPO_BF16, EAPO_F32, EAPO_F32},
                             {EAPO_BF16, EAPO_F32, EAPO_BF16},  {EAPO_F16, EAPO_F16, EAPO_F16},
                             {EAPO_F16, EAPO_F16, EAPO_F32},    {EAPO_F16, EAPO_F32, EAPO_F32},
                             {EAPO_F16, EAPO_F32, EAPO_F16}};
    const std::vector<int64_t> sizes = small ? std::vector<int64_t>{1, 15, 17, 1029, 4099}
                                             : std::vector<int64_t>{1, 15, 17, 1029, 4099, 1000003, 3 << 20};
    for (const auto& c : combos)
        for (int64_t n : sizes) run_case(g, c[0], c[1], c[2], n);
    check_api_errors();
    std::printf("%s: %d cases, %d failures (CUDA vs CPU, bit for bit)\n", g_failures ? "FAILED" : "OK", g_cases,
                g_failures);
    if (do_bench && g_failures == 0) bench();
    return g_failures ? 1 : 0;
}
