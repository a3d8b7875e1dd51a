// GPU benchmark of the CUDA kernels against the memory roofline of the same GPU, in one run:
//  (a) device-to-device copy bandwidth (cudaMemcpyAsync D2D, read + write bytes / time): the roofline;
//  (b) token statistics (reads the logits once): achieved GB/s and its fraction of copy bandwidth;
//  (c) policy loss forward + backward (reads the logits once, writes dL/dlogits once): time against the ideal
//      "read once + write once at copy speed", for every path of policy_loss.cu and in place.
// Shapes: N = 16384 rows, V in {32000, 128256, 151936}, bf16 (override with --n, --v, --dtype). All timings with
// CUDA events, after warm-up, median of --iters runs. Prints a table and, with --json FILE, writes JSON records that
// cuda/gpu-check.sh merges with cuda/dev/bench_torch.py into the report.
//
//   build:  native/build.sh build   ->  build/bin/eapo4j_gpu_bench [--iters 10] [--json out.json]
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_cuda_debug.h"

namespace {

#define CK(call)                                                                                         \
    do {                                                                                                 \
        cudaError_t e_ = (call);                                                                         \
        if (e_ != cudaSuccess) {                                                                         \
            std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", #call, __FILE__, __LINE__,             \
                         cudaGetErrorString(e_));                                                        \
            std::exit(1);                                                                                \
        }                                                                                                \
    } while (0)

__device__ uint32_t hash32(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (uint32_t)x;
}

// Logits ~ roughly normal(0, 3) (sum of 4 uniforms), written in the dtype.
__global__ void init_logits(void* z, int dtype, int64_t n) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        uint32_t h1 = hash32(2 * i), h2 = hash32(2 * i + 1);
        float u = ((h1 & 0xffff) + (h1 >> 16) + (h2 & 0xffff) + (h2 >> 16)) * (1.0f / 65536.0f) - 2.0f;
        float f = u * 5.2f;
        if (dtype == EAPO_F32) {
            static_cast<float*>(z)[i] = f;
        } else if (dtype == EAPO_BF16) {
            uint32_t b = __float_as_uint(f);
            static_cast<uint16_t*>(z)[i] = (uint16_t)((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
        } else {
            static_cast<__half*>(z)[i] = __float2half_rn(f);
        }
    }
}

__global__ void init_rows(int64_t* y, float* old_lp, float* adv, float* w, float* c, int64_t n, int64_t vocab) {
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < n; r += (int64_t)gridDim.x * blockDim.x) {
        y[r] = hash32(r + 12345) % vocab;
        old_lp[r] = -10.0f + 0.5f * (float)(r % 5);
        adv[r] = (r % 2) ? 1.0f : -0.7f;
        w[r] = 1.0f;
        c[r] = 1.0f / (float)n;  // no padding rows: every row is read and written, so the byte counts are exact
    }
}

struct Timer {
    cudaEvent_t a, b;
    Timer() {
        CK(cudaEventCreate(&a));
        CK(cudaEventCreate(&b));
    }
    ~Timer() {
        cudaEventDestroy(a);
        cudaEventDestroy(b);
    }
};

template <class F>
double median_ms(int iters, cudaStream_t s, F&& f) {
    Timer t;
    for (int i = 0; i < 2; ++i) f();  // warm-up
    CK(cudaStreamSynchronize(s));
    std::vector<float> ms;
    for (int i = 0; i < iters; ++i) {
        CK(cudaEventRecord(t.a, s));
        f();
        CK(cudaEventRecord(t.b, s));
        CK(cudaEventSynchronize(t.b));
        float x = 0;
        CK(cudaEventElapsedTime(&x, t.a, t.b));
        ms.push_back(x);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

void check(int st, const char* err, const char* what) {
    if (st != EAPO_OK) {
        std::fprintf(stderr, "%s failed (%d): %s\n", what, st, err);
        std::exit(1);
    }
}

const char* path_name(int p) { return p == 1 ? "reread" : p == 2 ? "smem" : p == 3 ? "cluster" : "auto"; }

}  // namespace

int main(int argc, char** argv) {
    int iters = 10;
    int64_t N = 16384;
    std::vector<int64_t> vocabs = {32000, 128256, 151936};
    int dtype = EAPO_BF16;
    const char* json_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--iters" && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
        else if (a == "--n" && i + 1 < argc) N = std::atoll(argv[++i]);
        else if (a == "--v" && i + 1 < argc) vocabs = {std::atoll(argv[++i])};
        else if (a == "--dtype" && i + 1 < argc) {
            std::string d = argv[++i];
            dtype = d == "f32" ? EAPO_F32 : d == "f16" ? EAPO_F16 : EAPO_BF16;
        } else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--iters K] [--n N] [--v V] [--dtype bf16|f16|f32] [--json FILE]\n", argv[0]);
            return 2;
        }
    }
    if (eapo_cuda_device_count() == 0) {
        std::printf("SKIPPED: no CUDA device\n");
        return 0;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    const char* dtn = dtype == EAPO_F32 ? "f32" : dtype == EAPO_BF16 ? "bf16" : "f16";
    const size_t es = dtype == EAPO_F32 ? 4 : 2;
    std::printf("device: %s (sm_%d%d, %d SMs, %d MB L2), N = %lld, dtype %s, median of %d\n", prop.name, prop.major,
                prop.minor, prop.multiProcessorCount, prop.l2CacheSize >> 20, (long long)N, dtn, iters);
    std::string json = "{\"device\": \"" + std::string(prop.name) + "\", \"n\": " + std::to_string(N) +
                       ", \"dtype\": \"" + dtn + "\", \"iters\": " + std::to_string(iters) + ", \"results\": [";
    bool first_rec = true;
    auto record = [&](const std::string& kind, int64_t V, const std::string& variant, double ms, double bytes,
                      double ideal_bytes, double copy_gbs) {
        double gbs = bytes / (ms * 1e-3) / 1e9;
        double ideal_ms = ideal_bytes / (copy_gbs * 1e9) * 1e3;
        std::printf("%-12s V=%-7lld %-22s %9.3f ms %8.1f GB/s  %5.1f%% of copy BW  %5.2fx of read+write-once@copy\n",
                    kind.c_str(), (long long)V, variant.c_str(), ms, gbs, 100.0 * gbs / copy_gbs, ms / ideal_ms);
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "%s{\"kind\": \"%s\", \"v\": %lld, \"variant\": \"%s\", \"ms\": %.6f, \"bytes\": %.0f, "
                      "\"gbs\": %.3f, \"frac_copy\": %.5f, \"ideal_ms\": %.6f, \"x_ideal\": %.5f}",
                      first_rec ? "" : ", ", kind.c_str(), (long long)V, variant.c_str(), ms, bytes, gbs,
                      gbs / copy_gbs, ideal_ms, ms / ideal_ms);
        json += buf;
        first_rec = false;
        std::fflush(stdout);
    };

    const int64_t vmax = *std::max_element(vocabs.begin(), vocabs.end());
    const size_t max_bytes = (size_t)N * vmax * es;
    void *z = nullptr, *g = nullptr;
    CK(cudaMalloc(&z, max_bytes));
    CK(cudaMalloc(&g, max_bytes));
    int64_t* y;
    float *old_lp, *adv, *w, *c, *tl, *lp, *ent;
    uint8_t* flags;
    CK(cudaMalloc(&y, N * 8));
    for (float** p : {&old_lp, &adv, &w, &c, &tl, &lp, &ent}) CK(cudaMalloc(p, N * 4));
    CK(cudaMalloc(&flags, N));
    uint8_t* keep;  // Clip-Cov's keep mask for the loss-variant runs (all kept: a dropped row costs the same)
    CK(cudaMalloc(&keep, N));
    CK(cudaMemset(keep, 1, N));
    cudaStream_t s;
    CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

    // (a) Copy roofline over the largest logits tensor: bytes moved = read + write.
    init_logits<<<4096, 256, 0, s>>>(z, dtype, (int64_t)(max_bytes / es));
    CK(cudaGetLastError());
    double copy_ms = median_ms(iters, s, [&] { CK(cudaMemcpyAsync(g, z, max_bytes, cudaMemcpyDeviceToDevice, s)); });
    const double copy_gbs = 2.0 * max_bytes / (copy_ms * 1e-3) / 1e9;
    std::printf("copy D2D    %.1f MB: %.3f ms, %.1f GB/s (read + write)\n", max_bytes / 1e6, copy_ms, copy_gbs);
    {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "{\"kind\": \"copy\", \"v\": 0, \"variant\": \"cudaMemcpyAsync D2D\", \"ms\": %.6f, "
                      "\"bytes\": %.0f, \"gbs\": %.3f, \"frac_copy\": 1.0, \"ideal_ms\": %.6f, \"x_ideal\": 1.0}",
                      copy_ms, 2.0 * max_bytes, copy_gbs, copy_ms);
        json += buf;
        first_rec = false;
    }

    char err[512] = {0};
    for (int64_t V : vocabs) {
        const double zbytes = (double)N * V * es;
        init_logits<<<4096, 256, 0, s>>>(z, dtype, N * V);
        init_rows<<<256, 256, 0, s>>>(y, old_lp, adv, w, c, N, V);
        CK(cudaGetLastError());
        CK(cudaStreamSynchronize(s));

        // (b) token statistics: one read of the logits.
        eapo_token_stats_args ts = {};
        ts.logits = z;
        ts.dtype = dtype;
        ts.rows_outer = 1;
        ts.rows_inner = N;
        ts.stride_outer = N * V;
        ts.stride_inner = V;
        ts.vocab = V;
        ts.targets = y;
        ts.temperature = 1.0f;
        ts.logp = lp;
        ts.entropy = ent;
        double ms = median_ms(iters, s, [&] { check(eapo_token_stats_cuda(&ts, s, err, sizeof err), err, "token_stats"); });
        record("token_stats", V, "read-once", ms, zbytes + N * 16.0, zbytes, copy_gbs);

        // (c) policy loss fwd + bwd: every path, separate gradient buffer.
        eapo_policy_loss_args pl = {};
        pl.logits = z;
        pl.dtype = dtype;
        pl.rows_outer = 1;
        pl.rows_inner = N;
        pl.stride_outer = N * V;
        pl.stride_inner = V;
        pl.vocab = V;
        pl.targets = y;
        pl.old_logp = old_lp;
        pl.advantages = adv;
        pl.weights = w;
        pl.coefs = c;
        pl.temperature = 1.0f;
        pl.clip_low = 0.2f;
        pl.clip_high = 0.28f;
        pl.dual_clip = 3.0f;
        pl.entropy_coef = 0.01f;
        pl.token_loss = tl;
        pl.logp = lp;
        pl.entropy = ent;
        pl.flags = flags;
        pl.grad = g;
        pl.grad_stride_outer = N * V;
        pl.grad_stride_inner = V;
        for (int path = 0; path <= 3; ++path) {
            eapo_cuda_debug_set_loss_path(path);
            ms = median_ms(iters, s, [&] {
                check(eapo_policy_loss_cuda(&pl, s, err, sizeof err), err, "policy_loss");
            });
            int K = 0;
            int used = eapo_cuda_debug_last_loss_path(&K, nullptr, nullptr);
            std::string variant = std::string(path_name(path)) + "->" + path_name(used) +
                                  (used == 3 ? "(K=" + std::to_string(K) + ")" : "");
            record("policy_loss", V, variant, ms, 2 * zbytes + N * 30.0, 2 * zbytes, copy_gbs);
        }
        eapo_cuda_debug_set_loss_path(0);
        // The loss variants of docs/LOSS_VARIANTS.md on the auto path (overhead vs "auto->..." above; the inputs'
        // values only steer which branch each token takes: seq_log_ratio and abs_kl_coef reuse [N] float arrays).
        struct VariantRun {
            const char* name;
            int loss_type;
            bool seq, keep_mask, abs_kl;
            float entropy_threshold;
        };
        const VariantRun runs[] = {{"auto gspo", EAPO_LOSS_CLIPPED, true, false, false, 0.0f},
                                   {"auto cispo", EAPO_LOSS_CISPO, false, false, false, 0.0f},
                                   {"auto top-entropy", EAPO_LOSS_CLIPPED, false, false, false, 5.0f},
                                   {"auto clip-cov", EAPO_LOSS_CLIPPED, false, true, false, 0.0f},
                                   {"auto kl-cov", EAPO_LOSS_UNCLIPPED, false, false, true, 0.0f},
                                   {"auto all-variants", EAPO_LOSS_CLIPPED, true, true, true, 5.0f}};
        for (const VariantRun& vr : runs) {
            eapo_policy_loss_args va = pl;
            va.loss_type = vr.loss_type;
            if (vr.loss_type == EAPO_LOSS_CISPO) va.dual_clip = 0.0f;
            va.seq_log_ratio = vr.seq ? adv : nullptr;
            va.pg_keep = vr.keep_mask ? keep : nullptr;
            va.abs_kl_coef = vr.abs_kl ? w : nullptr;
            va.entropy_threshold = vr.entropy_threshold;
            ms = median_ms(iters, s, [&] { check(eapo_policy_loss_cuda(&va, s, err, sizeof err), err, vr.name); });
            record("policy_loss", V, vr.name, ms, 2 * zbytes + N * 30.0, 2 * zbytes, copy_gbs);
        }
        // With the batch loss copied back (adds the reduction and a stream sync).
        double loss = 0;
        eapo_policy_loss_args with_loss = pl;
        with_loss.batch_loss = &loss;
        ms = median_ms(iters, s, [&] {
            check(eapo_policy_loss_cuda(&with_loss, s, err, sizeof err), err, "policy_loss with batch_loss");
        });
        record("policy_loss", V, "auto +batch_loss(sync)", ms, 2 * zbytes + N * 30.0, 2 * zbytes, copy_gbs);
        // In place (grad aliases the logits), auto path; last, since it overwrites the logits.
        eapo_policy_loss_args in_place = pl;
        in_place.grad = z;
        ms = median_ms(iters, s, [&] {
            check(eapo_policy_loss_cuda(&in_place, s, err, sizeof err), err, "policy_loss in place");
        });
        record("policy_loss", V, "auto in-place", ms, 2 * zbytes + N * 30.0, 2 * zbytes, copy_gbs);
    }
    json += "], \"copy_gbs\": " + std::to_string(copy_gbs) + "}\n";
    if (json_path) {
        FILE* f = std::fopen(json_path, "w");
        if (!f) {
            std::fprintf(stderr, "cannot write %s\n", json_path);
            return 1;
        }
        std::fputs(json.c_str(), f);
        std::fclose(f);
    }
    CK(cudaStreamDestroy(s));
    cudaFree(z);
    cudaFree(g);
    cudaFree(keep);
    return 0;
}
