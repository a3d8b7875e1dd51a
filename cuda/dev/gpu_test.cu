// GPU test of the CUDA kernels (token_stats.cu, policy_loss.cu) through the C API of libeapo4j.so.
// Every case runs the CUDA kernels, the CPU kernels of the same library (eapo_*_cpu) and the float64 host reference of
// SPEC.md (tests/native/reference_f64.h) on the same logits (fp32 / bf16 / fp16 values), and compares all three with per-dtype tolerances; every
// policy-loss path of policy_loss.cu (auto, re-read, shared memory, cluster) is forced in turn.
//
//   build:  native/build.sh build      (CMake builds it as bin/eapo4j_gpu_test when nvcc is present)
//   run:    build/bin/eapo4j_gpu_test            full set (V up to 262,144, N = 70,000)
//           build/bin/eapo4j_gpu_test --small    small shapes, for compute-sanitizer memcheck / racecheck
//           build/bin/eapo4j_gpu_test --cpu-only checks the CPU kernels against the float64 reference with the same
//                                                harness (no GPU needed; validates the test itself)
//           --only NAME_PART / --skip NAME_PART  select cases by name (repeatable)
// Without a CUDA device it checks that the API fails cleanly, prints "SKIPPED: no CUDA device" and exits 0.
// Exit status: 0 when every comparison passed, 1 otherwise.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "eapo4j.h"
#include "eapo4j_cuda_debug.h"
#include "eapo4j_rowmath.h"
#include "reference_f64.h"

namespace {

int g_failures = 0;
bool g_cpu_only = false;

#define CK(call)                                                                                         \
    do {                                                                                                 \
        cudaError_t e_ = (call);                                                                         \
        if (e_ != cudaSuccess) {                                                                         \
            std::printf("FAIL CUDA %s at %s:%d: %s\n", #call, __FILE__, __LINE__, cudaGetErrorString(e_)); \
            std::exit(1);                                                                                \
        }                                                                                                \
    } while (0)

void fail(const std::string& what) {
    ++g_failures;
    if (g_failures <= 60) std::printf("FAIL %s\n", what.c_str());
}

// ---------------- dtype helpers (host) ----------------
size_t esize(int dt) { return dt == EAPO_F32 ? 4 : 2; }
const char* dtname(int dt) { return dt == EAPO_F32 ? "f32" : dt == EAPO_BF16 ? "bf16" : "f16"; }

float load_elem(const std::vector<uint8_t>& buf, int dt, int64_t i) {
    if (dt == EAPO_F32) {
        float f;
        std::memcpy(&f, buf.data() + 4 * i, 4);
        return f;
    }
    uint16_t h;
    std::memcpy(&h, buf.data() + 2 * i, 2);
    if (dt == EAPO_BF16) return eapo_bf16_to_f32(h);
    __half_raw hr;
    hr.x = h;
    return __half2float(__half(hr));
}

void store_elem(std::vector<uint8_t>& buf, int dt, int64_t i, float f) {
    if (dt == EAPO_F32) {
        std::memcpy(buf.data() + 4 * i, &f, 4);
        return;
    }
    uint16_t h;
    if (dt == EAPO_BF16) {
        h = eapo_f32_to_bf16(f);
    } else {
        __half_raw hr = __half_raw(__float2half_rn(f));
        h = hr.x;
    }
    std::memcpy(buf.data() + 2 * i, &h, 2);
}

// ---------------- device buffers ----------------
struct DevBuf {
    void* p = nullptr;
    size_t n = 0;
    DevBuf() = default;
    explicit DevBuf(size_t bytes) : n(bytes) { CK(cudaMalloc(&p, bytes ? bytes : 1)); }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
    ~DevBuf() {
        if (p) cudaFree(p);
    }
    template <class T> T* as() { return static_cast<T*>(p); }
    void up(const void* h, size_t bytes) { CK(cudaMemcpy(p, h, bytes, cudaMemcpyHostToDevice)); }
    void down(void* h, size_t bytes) const { CK(cudaMemcpy(h, p, bytes, cudaMemcpyDeviceToHost)); }
};

// ---------------- test case ----------------
struct Case {
    std::string name;
    int64_t B = 1, T = 1, V = 1;     // rows_outer, rows_inner, vocab
    int64_t pad_inner = 0;           // extra elements between rows of one sequence
    int64_t pad_outer = 0;           // extra elements between sequences
    int64_t base_off = 0;            // offset of the first row from the allocation (misalignment)
    int dtype = EAPO_F32;
    float tau = 1.0f;
    ref_f64::LossConfig cfg{0.2f, 0.28f, 3.0f, 0.0f, 0.01f};
    bool kl = false;                 // ref_logp given (the KL term is in the loss when cfg.kl_beta > 0)
    bool inplace = false;
    bool zero_rows = true;           // some rows with coef 0
    bool masked = true;              // -inf entries
    bool bad_values = false;         // a NaN row and a +inf row
    bool null_outputs = false;       // token_loss / logp / entropy / kl / flags / batch_loss NULL
    bool no_grad = false;            // grad NULL (forward only)
    bool contiguous_grad = false;    // grad [N, V] contiguous while the logits are strided
    // Loss variants (docs/LOSS_VARIANTS.md): the per-token inputs are made by make_data.
    int loss_type = EAPO_LOSS_CLIPPED;
    bool seq_level = false;          // seq_log_ratio given (GSPO): sequences of 4 consecutive rows
    bool pg_keep = false;            // pg_keep given: every third row dropped (Clip-Cov)
    float abs_kl_coef = 0.0f;        // abs_kl_coef given: this value on two rows of five (KL-Cov)
    bool top_entropy = false;        // entropy_threshold between two reference entropies near the 40% quantile
    unsigned seed = 1;
    int64_t N() const { return B * T; }
    int64_t s_inner() const { return V + pad_inner; }
    int64_t s_outer() const { return T * s_inner() + pad_outer; }
    int64_t elems() const { return base_off + B * s_outer(); }
    int64_t off(int64_t r) const { return base_off + (r / T) * s_outer() + (r % T) * s_inner(); }
};

struct Data {
    std::vector<uint8_t> logits;  // raw dtype values, geometry of the case
    std::vector<int64_t> y;
    std::vector<float> old_lp, ref_lp, adv, w, c;
    std::vector<float> seq_lr, akl;  // loss-variant inputs (empty when the case has none)
    std::vector<uint8_t> keep;
    float entropy_threshold = 0.0f;
    std::vector<ref_f64::RowStats> ref;
    std::vector<char> bad_row;
};

ref_f64::RowStats reference_row(const Data& d, const Case& cs, int64_t r) {
    const int64_t o = cs.off(r);
    return ref_f64::row_stats([&](int64_t v) { return (double)load_elem(d.logits, cs.dtype, o + v); }, cs.V, d.y[r],
                              cs.tau);
}

void make_variant_inputs(const Case& cs, Data& d);

Data make_data(const Case& cs) {
    Data d;
    std::mt19937 rng(cs.seed);
    std::normal_distribution<float> nd(0.f, 3.f);
    const int64_t N = cs.N(), V = cs.V;
    d.logits.assign((size_t)cs.elems() * esize(cs.dtype), 0);
    for (int64_t i = 0; i < cs.elems(); ++i) store_elem(d.logits, cs.dtype, i, 7.0f);  // padding: a marker value
    d.y.resize(N);
    for (int64_t r = 0; r < N; ++r) {
        const int64_t o = cs.off(r);
        for (int64_t v = 0; v < V; ++v) store_elem(d.logits, cs.dtype, o + v, nd(rng));
        d.y[r] = (int64_t)(rng() % (uint64_t)V);
        if (cs.masked && V > 2) {
            store_elem(d.logits, cs.dtype, o + 1, -INFINITY);
            if (r % 3 == 0 && V > 16) {  // a long masked run (whole vectors and partial ones)
                int64_t a = V / 2, b = std::min(V, V / 2 + std::max<int64_t>(9, V / 4));
                for (int64_t v = a; v < b; ++v) store_elem(d.logits, cs.dtype, o + v, -INFINITY);
                if (d.y[r] >= a && d.y[r] < b) d.y[r] = 0;
            }
            if (d.y[r] == 1) d.y[r] = 0;
        }
    }
    d.bad_row.assign(N, 0);
    if (cs.bad_values && N >= 3 && V >= 4) {
        store_elem(d.logits, cs.dtype, cs.off(1) + V - 1, NAN);
        store_elem(d.logits, cs.dtype, cs.off(2) + 2, INFINITY);
        d.bad_row[1] = d.bad_row[2] = 1;
    }
    d.ref.resize(N);
    for (int64_t r = 0; r < N; ++r) d.ref[r] = reference_row(d, cs, r);
    const float offs[5] = {-0.5f, 0.0f, 0.5f, 1.5f, -25.0f};  // unclipped, both clip sides, dual clip, d clamp
    d.old_lp.resize(N);
    d.ref_lp.resize(N);
    d.adv.resize(N);
    d.w.resize(N);
    d.c.resize(N);
    for (int64_t r = 0; r < N; ++r) {
        double lp = std::isfinite(d.ref[r].logp) ? d.ref[r].logp : -3.0;
        d.old_lp[r] = (float)lp + offs[r % 5];
        d.ref_lp[r] = (float)lp + 0.3f * (float)std::sin((double)r);
        d.adv[r] = (r % 2) ? 1.0f + 0.1f * (float)(r % 3) : -0.7f;
        d.w[r] = (r % 4 == 3) ? 0.1f : 1.0f;
        d.c[r] = (cs.zero_rows && r % 7 == 2) ? 0.0f : 1.0f / (float)N;
    }
    make_variant_inputs(cs, d);
    return d;
}

// The loss-variant inputs: a GSPO sequence log-ratio (the mean of the reference logp - old over groups of 4 rows),
// a Clip-Cov keep mask, KL-Cov coefficients and a top-entropy threshold that falls between two reference entropies
// (so that fp32 rounding cannot move a token across it).
void make_variant_inputs(const Case& cs, Data& d) {
    const int64_t N = cs.N();
    if (cs.seq_level) {
        d.seq_lr.assign(N, 0.0f);
        for (int64_t s0 = 0; s0 < N; s0 += 4) {
            const int64_t s1 = std::min(N, s0 + 4);
            double sum = 0;
            for (int64_t r = s0; r < s1; ++r)
                sum += (std::isfinite(d.ref[r].logp) ? d.ref[r].logp : -3.0) - d.old_lp[r];
            for (int64_t r = s0; r < s1; ++r) d.seq_lr[r] = (float)(sum / (double)(s1 - s0));
        }
    }
    if (cs.pg_keep) {
        d.keep.assign(N, 1);
        for (int64_t r = 1; r < N; r += 3) d.keep[r] = 0;
    }
    if (cs.abs_kl_coef != 0.0f) {
        d.akl.assign(N, 0.0f);
        for (int64_t r = 0; r < N; ++r)
            if (r % 5 == 0 || r % 5 == 3) d.akl[r] = cs.abs_kl_coef;
    }
    if (cs.top_entropy) {
        std::vector<double> e;
        for (int64_t r = 0; r < N; ++r)
            if (std::isfinite(d.ref[r].entropy)) e.push_back(d.ref[r].entropy);
        std::sort(e.begin(), e.end());
        for (size_t k = e.size() * 2 / 5; k + 1 < e.size(); ++k)
            if (e[k + 1] - e[k] > 1e-3 * (1.0 + e[k])) {
                d.entropy_threshold = (float)(0.5 * (e[k] + e[k + 1]));
                break;
            }
    }
}

ref_f64::TokenTerms reference_loss(const Case& cs, const Data& d, int64_t r) {
    ref_f64::Variant var;
    var.loss_type = cs.loss_type;
    if (cs.seq_level) {
        var.seq_level = true;
        var.seq_log_ratio = d.seq_lr[r];
    }
    if (cs.pg_keep) var.keep = d.keep[r] != 0;
    if (!d.akl.empty()) var.abs_kl_coef = d.akl[r];
    var.entropy_threshold = d.entropy_threshold;
    return ref_f64::token_terms(cs.cfg, d.ref[r].logp, d.ref[r].entropy, d.old_lp[r], cs.kl, d.ref_lp[r], d.adv[r],
                                d.w[r], var);
}

bool close(double got, double want, double atol, double rtol) {
    if (std::isnan(want)) return std::isnan(got);
    return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

const double kStatTol = 6e-5;  // logp / entropy / token loss: fp32 accumulation over up to 262,144 terms

double grad_rtol(int dt) { return dt == EAPO_F32 ? 2e-4 : dt == EAPO_BF16 ? 8e-3 : 1.2e-3; }
double grad_floor(int dt) { return dt == EAPO_F16 ? 1.2e-7 : 0.0; }  // fp16 subnormal spacing

struct Outputs {
    std::vector<float> logp, ent, tl, kl;
    std::vector<uint8_t> flags;
    std::vector<uint8_t> grad;  // raw, geometry of grad
    double loss = NAN;
};

// Compares one set of policy-loss outputs with the float64 reference (and, when cpu != NULL, with the CPU kernel).
void check_loss(const Case& cs, const Data& d, const Outputs& o, const Outputs* cpu, const std::string& tag,
                const std::vector<uint8_t>& grad_init, int64_t g_so, int64_t g_si, int64_t g_base) {
    const int64_t N = cs.N(), V = cs.V;
    int bad = 0;
    double want_total = 0, abs_total = 0;
    bool any_nan = false;
    for (int64_t r = 0; r < N; ++r) {
        const bool zero = d.c[r] == 0.0f;
        ref_f64::TokenTerms rl = reference_loss(cs, d, r);
        if (zero) {
            rl.loss = 0;
            rl.g = 0;
            rl.kl = 0;
            rl.flags = 0;
        } else {
            want_total += (double)d.c[r] * rl.loss;
            abs_total += std::fabs((double)d.c[r] * rl.loss);
            if (d.bad_row[r]) any_nan = true;
        }
        char buf[256];
        auto rowfail = [&](const char* what, double got, double want) {
            if (bad++ < 5) {
                std::snprintf(buf, sizeof buf, "%s row %lld %s: got %.9g want %.9g", tag.c_str(), (long long)r, what,
                              got, want);
                fail(buf);
            } else {
                ++g_failures;
            }
        };
        if (!cs.null_outputs) {
            double wl = zero ? 0 : d.ref[r].logp, we = zero ? 0 : d.ref[r].entropy;
            if (!close(o.logp[r], wl, kStatTol, kStatTol)) rowfail("logp", o.logp[r], wl);
            if (!close(o.ent[r], we, kStatTol, kStatTol)) rowfail("entropy", o.ent[r], we);
            if (!close(o.tl[r], rl.loss, kStatTol, kStatTol)) rowfail("token_loss", o.tl[r], rl.loss);
            if (!close(o.kl[r], rl.kl, kStatTol, kStatTol)) rowfail("kl", o.kl[r], rl.kl);  // 0 without ref_logp
            if (!d.bad_row[r] && o.flags[r] != rl.flags) rowfail("flags", o.flags[r], rl.flags);
            if (cpu && !d.bad_row[r]) {
                if (!close(o.logp[r], cpu->logp[r], kStatTol, kStatTol)) rowfail("logp vs cpu", o.logp[r], cpu->logp[r]);
                if (!close(o.tl[r], cpu->tl[r], kStatTol, kStatTol)) rowfail("token_loss vs cpu", o.tl[r], cpu->tl[r]);
                if (!close(o.kl[r], cpu->kl[r], kStatTol, kStatTol)) rowfail("kl vs cpu", o.kl[r], cpu->kl[r]);
                if (o.flags[r] != cpu->flags[r]) rowfail("flags vs cpu", o.flags[r], cpu->flags[r]);
            }
        }
        if (cs.no_grad) continue;
        const double cot = (double)d.c[r] / cs.tau;
        const double atol = 2e-6 * cot * (std::fabs(rl.g) + cs.cfg.entropy_coef * 40.0 + 1.0) + grad_floor(cs.dtype);
        const int64_t go = g_base + (r / cs.T) * g_so + (r % cs.T) * g_si;
        int shown = 0;
        for (int64_t v = 0; v < V; ++v) {
            double got = load_elem(o.grad, cs.dtype, go + v);
            double want = 0;
            if (!zero) {
                if (d.bad_row[r]) {
                    want = NAN;
                } else {
                    want = ref_f64::grad_elem(d.c[r], cs.tau, rl.eta, d.ref[r], rl.g,
                                              load_elem(d.logits, cs.dtype, cs.off(r) + v), v == d.y[r]);
                }
            }
            bool ok = close(got, want, atol, grad_rtol(cs.dtype));
            if (ok && cpu && !d.bad_row[r]) {
                double gc = load_elem(cpu->grad, cs.dtype, go + v);
                ok = close(got, gc, 2 * atol, 2 * grad_rtol(cs.dtype));
                if (!ok) want = gc;
            }
            if (!ok && shown++ < 2) {
                char b2[64];
                std::snprintf(b2, sizeof b2, "grad[%lld]", (long long)v);
                rowfail(b2, got, want);
            } else if (!ok) {
                ++g_failures;
            }
        }
    }
    // Gradient-buffer elements outside the rows must be untouched.
    if (!cs.no_grad) {
        std::vector<char> in_row(o.grad.size() / esize(cs.dtype), 0);
        for (int64_t r = 0; r < N; ++r) {
            const int64_t go = g_base + (r / cs.T) * g_so + (r % cs.T) * g_si;
            std::fill(in_row.begin() + go, in_row.begin() + go + V, 1);
        }
        int64_t touched = 0;
        for (size_t i = 0; i < in_row.size(); ++i)
            if (!in_row[i] && std::memcmp(o.grad.data() + i * esize(cs.dtype), grad_init.data() + i * esize(cs.dtype),
                                          esize(cs.dtype)) != 0)
                ++touched;
        if (touched) fail(tag + ": " + std::to_string(touched) + " gradient elements outside the rows were written");
    }
    if (!cs.null_outputs) {
        if (any_nan) {
            if (!std::isnan(o.loss)) fail(tag + ": batch loss should be NaN, got " + std::to_string(o.loss));
        } else if (!close(o.loss, want_total, 1e-9, 0) && std::fabs(o.loss - want_total) > 2e-5 * abs_total + 1e-9) {
            char b[200];
            std::snprintf(b, sizeof b, "%s: batch loss got %.12g want %.12g", tag.c_str(), o.loss, want_total);
            fail(b);
        }
    }
}

void check_stats(const Case& cs, const Data& d, const std::vector<float>& lp, const std::vector<float>& en,
                 const std::vector<float>* cpu_lp, const std::string& tag) {
    int bad = 0;
    for (int64_t r = 0; r < cs.N(); ++r) {
        bool ok = close(lp[r], d.ref[r].logp, kStatTol, kStatTol) && close(en[r], d.ref[r].entropy, kStatTol, kStatTol);
        if (ok && cpu_lp && !d.bad_row[r]) ok = close(lp[r], (*cpu_lp)[r], kStatTol, kStatTol);
        if (!ok) {
            if (bad++ < 5) {
                char b[200];
                std::snprintf(b, sizeof b, "%s row %lld: logp %.9g entropy %.9g, want %.9g %.9g", tag.c_str(),
                              (long long)r, lp[r], en[r], d.ref[r].logp, d.ref[r].entropy);
                fail(b);
            } else {
                ++g_failures;
            }
        }
    }
}

// The args of one call over the case's logits geometry; the caller sets the per-token pointers.
eapo_token_stats_args stats_args(const Case& cs, const void* logits, const int64_t* y, float* logp, float* entropy) {
    eapo_token_stats_args a = {};
    a.logits = logits;
    a.dtype = cs.dtype;
    a.rows_outer = cs.B;
    a.rows_inner = cs.T;
    a.stride_outer = cs.s_outer();
    a.stride_inner = cs.s_inner();
    a.vocab = cs.V;
    a.targets = y;
    a.temperature = cs.tau;
    a.logp = logp;
    a.entropy = entropy;
    return a;
}

eapo_policy_loss_args loss_args(const Case& cs, const Data& d, const void* logits, const int64_t* y) {
    eapo_policy_loss_args a = {};
    a.logits = logits;
    a.dtype = cs.dtype;
    a.rows_outer = cs.B;
    a.rows_inner = cs.T;
    a.stride_outer = cs.s_outer();
    a.stride_inner = cs.s_inner();
    a.vocab = cs.V;
    a.targets = y;
    a.temperature = cs.tau;
    a.clip_low = cs.cfg.clip_low;
    a.clip_high = cs.cfg.clip_high;
    a.dual_clip = cs.cfg.dual_clip;
    a.kl_beta = cs.cfg.kl_beta;
    a.entropy_coef = cs.cfg.entropy_coef;
    a.loss_type = cs.loss_type;
    a.entropy_threshold = d.entropy_threshold;
    return a;
}

// Runs the CPU kernel of the library on the host copy.
Outputs run_cpu(const Case& cs, const Data& d, std::vector<uint8_t>& grad_host, int64_t g_so, int64_t g_si,
                int64_t g_base, std::vector<uint8_t>* logits_inplace) {
    const int64_t N = cs.N();
    Outputs o;
    o.logp.assign(N, -1);
    o.ent.assign(N, -1);
    o.tl.assign(N, -1);
    o.kl.assign(N, -1);
    o.flags.assign(N, 255);
    char err[256] = {0};
    const size_t es = esize(cs.dtype);
    const uint8_t* lg = logits_inplace ? logits_inplace->data() : d.logits.data();
    void* gp = cs.no_grad ? nullptr : (logits_inplace ? logits_inplace->data() : grad_host.data()) + g_base * es;
    eapo_policy_loss_args a = loss_args(cs, d, lg + cs.base_off * es, d.y.data());
    a.seq_log_ratio = d.seq_lr.empty() ? nullptr : d.seq_lr.data();
    a.pg_keep = d.keep.empty() ? nullptr : d.keep.data();
    a.abs_kl_coef = d.akl.empty() ? nullptr : d.akl.data();
    a.old_logp = d.old_lp.data();
    a.ref_logp = cs.kl ? d.ref_lp.data() : nullptr;
    a.advantages = d.adv.data();
    a.weights = d.w.data();
    a.coefs = d.c.data();
    a.batch_loss = &o.loss;
    a.token_loss = o.tl.data();
    a.logp = o.logp.data();
    a.entropy = o.ent.data();
    a.kl = o.kl.data();
    a.flags = o.flags.data();
    a.grad = gp;
    a.grad_stride_outer = g_so;
    a.grad_stride_inner = g_si;
    int st = eapo_policy_loss_cpu(&a, err, sizeof err);
    if (st != EAPO_OK) fail(cs.name + ": eapo_policy_loss_cpu failed: " + err);
    o.grad = logits_inplace ? *logits_inplace : grad_host;
    return o;
}

const char* path_name(int p) {
    return p == 1 ? "reread" : p == 2 ? "smem" : p == 3 ? "cluster" : "auto";
}

void run_case(const Case& cs) {
    const int64_t N = cs.N(), V = cs.V;
    const size_t es = esize(cs.dtype);
    std::printf("case %-34s N=%-6lld V=%-6lld %-4s tau=%.2f%s%s%s%s\n", cs.name.c_str(), (long long)N, (long long)V,
                dtname(cs.dtype), cs.tau, cs.kl ? " kl" : "", cs.inplace ? " in-place" : "",
                cs.null_outputs ? " null-outputs" : "", cs.no_grad ? " no-grad" : "");
    std::fflush(stdout);
    Data d = make_data(cs);

    // Gradient geometry: same as the logits, or [N, V] contiguous.
    int64_t g_so = cs.s_outer(), g_si = cs.s_inner(), g_base = cs.base_off, g_elems = cs.elems();
    if (cs.contiguous_grad && !cs.inplace) {
        g_so = cs.T * V;
        g_si = V;
        g_base = 0;
        g_elems = N * V;
    }
    std::vector<uint8_t> grad_init((size_t)g_elems * es);
    for (int64_t i = 0; i < g_elems; ++i) store_elem(grad_init, cs.dtype, i, -3.25f);  // sentinel
    if (cs.inplace) grad_init = d.logits;

    // CPU kernel.
    std::vector<uint8_t> cpu_grad = grad_init, cpu_inplace = d.logits;
    Outputs cpu = run_cpu(cs, d, cpu_grad, g_so, g_si, g_base, cs.inplace ? &cpu_inplace : nullptr);
    std::vector<float> cpu_lp(N), cpu_en(N);
    {
        char err[256] = {0};
        const eapo_token_stats_args a =
            stats_args(cs, d.logits.data() + cs.base_off * es, d.y.data(), cpu_lp.data(), cpu_en.data());
        int st = eapo_token_stats_cpu(&a, err, sizeof err);
        if (st != EAPO_OK) fail(cs.name + ": eapo_token_stats_cpu failed: " + err);
    }
    if (g_cpu_only) {
        check_stats(cs, d, cpu_lp, cpu_en, nullptr, cs.name + " [cpu token_stats]");
        Case c2 = cs;
        c2.null_outputs = false;
        check_loss(c2, d, cpu, nullptr, cs.name + " [cpu policy_loss]", grad_init, g_so, g_si, g_base);
        return;
    }

    // Device copies.
    DevBuf dl(d.logits.size()), dy(N * 8), dold(N * 4), dref(N * 4), dadv(N * 4), dw(N * 4), dc(N * 4);
    DevBuf dlp(N * 4), den(N * 4), dtl(N * 4), dkl(N * 4), dfl(N), dg(cs.inplace ? 1 : grad_init.size());
    DevBuf dseq(N * 4), dkeep(N), dakl(N * 4);
    if (!d.seq_lr.empty()) dseq.up(d.seq_lr.data(), N * 4);
    if (!d.keep.empty()) dkeep.up(d.keep.data(), N);
    if (!d.akl.empty()) dakl.up(d.akl.data(), N * 4);
    dl.up(d.logits.data(), d.logits.size());
    dy.up(d.y.data(), N * 8);
    dold.up(d.old_lp.data(), N * 4);
    dref.up(d.ref_lp.data(), N * 4);
    dadv.up(d.adv.data(), N * 4);
    dw.up(d.w.data(), N * 4);
    dc.up(d.c.data(), N * 4);
    char* logits_dev = dl.as<char>() + cs.base_off * es;
    cudaStream_t stream;
    CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

    // Token statistics.
    {
        CK(cudaMemset(dlp.p, 0xff, N * 4));
        CK(cudaMemset(den.p, 0xff, N * 4));
        char err[256] = {0};
        const eapo_token_stats_args a = stats_args(cs, logits_dev, dy.as<int64_t>(), dlp.as<float>(), den.as<float>());
        int st = eapo_token_stats_cuda(&a, stream, err, sizeof err);
        CK(cudaStreamSynchronize(stream));
        if (st != EAPO_OK) {
            fail(cs.name + ": eapo_token_stats_cuda: " + err);
        } else {
            std::vector<float> lp(N), en(N);
            dlp.down(lp.data(), N * 4);
            den.down(en.data(), N * 4);
            check_stats(cs, d, lp, en, &cpu_lp, cs.name + " [token_stats]");
        }
    }

    // Policy loss, every path.
    eapo_policy_loss_args base = loss_args(cs, d, logits_dev, dy.as<int64_t>());
    base.seq_log_ratio = d.seq_lr.empty() ? nullptr : dseq.as<float>();
    base.pg_keep = d.keep.empty() ? nullptr : dkeep.as<uint8_t>();
    base.abs_kl_coef = d.akl.empty() ? nullptr : dakl.as<float>();
    base.old_logp = dold.as<float>();
    base.ref_logp = cs.kl ? dref.as<float>() : nullptr;
    base.advantages = dadv.as<float>();
    base.weights = dw.as<float>();
    base.coefs = dc.as<float>();
    base.grad_stride_outer = g_so;
    base.grad_stride_inner = g_si;
    double first_loss = NAN;
    for (int path = 0; path <= 3; ++path) {
        eapo_cuda_debug_set_loss_path(path);
        if (cs.inplace) dl.up(d.logits.data(), d.logits.size());
        else dg.up(grad_init.data(), grad_init.size());
        CK(cudaMemset(dlp.p, 0xff, N * 4));
        CK(cudaMemset(den.p, 0xff, N * 4));
        CK(cudaMemset(dtl.p, 0xff, N * 4));
        CK(cudaMemset(dkl.p, 0xff, N * 4));
        CK(cudaMemset(dfl.p, 0xff, N));
        void* gp = cs.no_grad ? nullptr : cs.inplace ? (void*)logits_dev : (void*)(dg.as<char>() + g_base * es);
        Outputs o;
        char err[256] = {0};
        const bool nul = cs.null_outputs;
        eapo_policy_loss_args a = base;
        a.batch_loss = nul ? nullptr : &o.loss;
        a.token_loss = nul ? nullptr : dtl.as<float>();
        a.logp = nul ? nullptr : dlp.as<float>();
        a.entropy = nul ? nullptr : den.as<float>();
        a.kl = nul ? nullptr : dkl.as<float>();
        a.flags = nul ? nullptr : dfl.as<uint8_t>();
        a.grad = gp;
        int st = eapo_policy_loss_cuda(&a, stream, err, sizeof err);
        CK(cudaStreamSynchronize(stream));
        int K = 0, thr = 0, smem = 0;
        int used = eapo_cuda_debug_last_loss_path(&K, &thr, &smem);
        std::string tag = cs.name + " [policy_loss " + path_name(path) + " -> " + path_name(used) + " K=" +
                          std::to_string(K) + "]";
        if (st != EAPO_OK) {
            fail(tag + ": " + err);
            continue;
        }
        o.logp.resize(N);
        o.ent.resize(N);
        o.tl.resize(N);
        o.kl.resize(N);
        o.flags.resize(N);
        dlp.down(o.logp.data(), N * 4);
        den.down(o.ent.data(), N * 4);
        dtl.down(o.tl.data(), N * 4);
        dkl.down(o.kl.data(), N * 4);
        dfl.down(o.flags.data(), N);
        o.grad.resize(grad_init.size());
        if (cs.inplace) dl.down(o.grad.data(), o.grad.size());
        else dg.down(o.grad.data(), o.grad.size());
        check_loss(cs, d, o, &cpu, tag, grad_init, g_so, g_si, g_base);
        if (!nul) {  // determinism across paths of the same K is not promised; across repeated calls it is
            if (path == 0) first_loss = o.loss;
        }
        std::printf("  %-8s -> %-8s K=%d threads=%d smem=%d loss=%.10g\n", path_name(path), path_name(used), K, thr,
                    smem, o.loss);
    }
    eapo_cuda_debug_set_loss_path(0);

    // Determinism: the auto path twice more must give the bitwise same batch loss.
    if (!cs.null_outputs && !cs.inplace) {
        for (int rep = 0; rep < 2; ++rep) {
            double l2 = NAN;
            char err[256] = {0};
            void* gp = cs.no_grad ? nullptr : (void*)(dg.as<char>() + g_base * es);
            eapo_policy_loss_args a = base;
            a.batch_loss = &l2;
            a.grad = gp;
            int st = eapo_policy_loss_cuda(&a, stream, err, sizeof err);
            if (st != EAPO_OK) fail(cs.name + " [determinism]: " + err);
            else if (std::memcmp(&l2, &first_loss, sizeof l2) != 0 && !(std::isnan(l2) && std::isnan(first_loss)))
                fail(cs.name + " [determinism]: batch loss differs between identical calls");
        }
    }
    CK(cudaStreamDestroy(stream));
}

// ---------------- API behaviour ----------------
void check_api_errors(bool have_device) {
    char err[256];
    int64_t y = 0;
    float f = 0;
    // One row of one element, host pointers everywhere: valid apart from the field each check breaks.
    eapo_token_stats_args ts = {};
    ts.logits = &f;
    ts.dtype = EAPO_F32;
    ts.rows_outer = ts.rows_inner = ts.stride_outer = ts.stride_inner = ts.vocab = 1;
    ts.targets = &y;
    ts.temperature = 1.0f;
    ts.logp = ts.entropy = &f;
    eapo_policy_loss_args pl = {};
    pl.logits = &f;
    pl.dtype = EAPO_F32;
    pl.rows_outer = pl.rows_inner = pl.stride_outer = pl.stride_inner = pl.vocab = 1;
    pl.targets = &y;
    pl.old_logp = pl.advantages = pl.weights = pl.coefs = &f;
    pl.temperature = 1.0f;
    pl.clip_low = pl.clip_high = 0.2f;
    auto ts_with = [&](auto change) {
        eapo_token_stats_args a = ts;
        change(a);
        err[0] = 0;
        return eapo_token_stats_cuda(&a, nullptr, err, sizeof err);
    };
    auto pl_with = [&](auto change) {
        eapo_policy_loss_args a = pl;
        change(a);
        err[0] = 0;
        return eapo_policy_loss_cuda(&a, nullptr, err, sizeof err);
    };
    if (eapo_token_stats_cuda(nullptr, nullptr, err, sizeof err) != EAPO_EINVAL)
        fail("token_stats_cuda(args = NULL) should be EINVAL");
    if (eapo_policy_loss_cuda(nullptr, nullptr, err, sizeof err) != EAPO_EINVAL)
        fail("policy_loss_cuda(args = NULL) should be EINVAL");
    int st = ts_with([](eapo_token_stats_args& a) { a.logits = nullptr; });
    if (st != EAPO_EINVAL || err[0] == 0) fail("token_stats_cuda(logits = NULL) should be EINVAL with a message");
    if (ts_with([](eapo_token_stats_args& a) { a.dtype = 7; }) != EAPO_EINVAL)
        fail("token_stats_cuda(dtype = 7) should be EINVAL");
    if (ts_with([](eapo_token_stats_args& a) { a.temperature = 0.0f; }) != EAPO_EINVAL)
        fail("token_stats_cuda(temperature = 0) should be EINVAL");
    if (pl_with([](eapo_policy_loss_args& a) { a.coefs = nullptr; }) != EAPO_EINVAL)
        fail("policy_loss_cuda(coefs = NULL) should be EINVAL");
    if (pl_with([](eapo_policy_loss_args& a) { a.rows_inner = 0; }) != EAPO_EINVAL)
        fail("policy_loss_cuda(rows_inner = 0) should be EINVAL");
    if (pl_with([](eapo_policy_loss_args& a) { a.kl_beta = -1.0f; }) != EAPO_EINVAL)
        fail("policy_loss_cuda(kl_beta = -1) should be EINVAL, as on the CPU");
    float kl_out[2] = {0, 0};
    if (pl_with([&](eapo_policy_loss_args& a) { a.kl = &f; }) != EAPO_EINVAL)
        fail("policy_loss_cuda(kl overlapping the inputs) should be EINVAL, as on the CPU");
    if (pl_with([&](eapo_policy_loss_args& a) { a.kl = kl_out; a.token_loss = kl_out; }) != EAPO_EINVAL)
        fail("policy_loss_cuda(kl == token_loss) should be EINVAL, as on the CPU");
    // Host pointers where device pointers belong: EINVAL (with a device) or ENODEV (without), never a crash.
    st = ts_with([](eapo_token_stats_args&) {});
    if (st != (have_device ? EAPO_EINVAL : EAPO_ENODEV))
        fail(std::string("token_stats_cuda(host pointers) returned ") + std::to_string(st) + ": " + err);
    else
        std::printf("host pointers refused as expected: %s\n", err);
}

void check_invalid_target_and_leaks(bool small) {
    // Out-of-range target: NaN for that row, no out-of-bounds read (memcheck verifies), the context stays usable.
    const int64_t N = 4, V = 300;
    std::vector<float> z(N * V, 0.5f);
    std::vector<int64_t> y = {0, V, -1, 5};
    std::vector<float> ones(N, 1.0f), coef(N, 0.25f);
    DevBuf dz(N * V * 4), dy(N * 8), d1(N * 4), dc(N * 4), dlp(N * 4), den(N * 4), dg(N * V * 4);
    dz.up(z.data(), N * V * 4);
    dy.up(y.data(), N * 8);
    d1.up(ones.data(), N * 4);
    dc.up(coef.data(), N * 4);
    char err[256] = {0};
    Case cs;  // [N, V] contiguous, tau = 1
    cs.T = N;
    cs.V = V;
    const eapo_token_stats_args ts = stats_args(cs, dz.p, dy.as<int64_t>(), dlp.as<float>(), den.as<float>());
    int st = eapo_token_stats_cuda(&ts, nullptr, err, sizeof err);
    CK(cudaDeviceSynchronize());
    std::vector<float> lp(N);
    dlp.down(lp.data(), N * 4);
    if (st != EAPO_OK || !std::isnan(lp[1]) || !std::isnan(lp[2]) || std::isnan(lp[0]) || std::isnan(lp[3]))
        fail("out-of-range targets should give NaN rows (and only those)");
    // 10,000 calls (200 in --small) with batch_loss: the scratch buffer must not leak.
    cs.cfg = ref_f64::LossConfig{0.2f, 0.2f, 0.0f, 0.0f, 0.01f};
    eapo_policy_loss_args pl = loss_args(cs, Data{}, dz.p, dy.as<int64_t>());
    pl.old_logp = pl.advantages = pl.weights = d1.as<float>();
    pl.coefs = dc.as<float>();
    pl.grad = dg.p;
    pl.grad_stride_outer = N * V;
    pl.grad_stride_inner = V;
    y = {0, 1, 2, 3};
    dy.up(y.data(), N * 8);
    size_t free0 = 0, free1 = 0, total = 0;
#ifdef EAPO4J_HOST_EMULATION
    const int calls = 50;  // every emulated launch starts hundreds of std::threads
#else
    const int calls = small ? 200 : 10000;
#endif
    for (int i = 0; i < calls; ++i) {
        double loss = 0;
        pl.batch_loss = &loss;
        st = eapo_policy_loss_cuda(&pl, nullptr, err, sizeof err);
        if (st != EAPO_OK) {
            fail(std::string("repeated policy_loss_cuda: ") + err);
            break;
        }
        if (i == 10) CK(cudaMemGetInfo(&free0, &total));
    }
    CK(cudaMemGetInfo(&free1, &total));
    if (free1 + (16u << 20) < free0)
        fail("device memory shrank by " + std::to_string((free0 - free1) >> 20) + " MiB over repeated calls");
    std::printf("%d policy_loss_cuda calls with batch_loss: free device memory %zu -> %zu MiB\n", calls, free0 >> 20,
                free1 >> 20);
}

// One case per loss variant (docs/LOSS_VARIANTS.md), and one with all of them; small: V = 1000 / 2000 (host
// emulation), otherwise V = 32000 and 151936 as well.
template <class Add>
void add_variant_cases(Add& add, bool small) {
    const int64_t v1 = small ? 1000 : 32000, v2 = small ? 2000 : 151936;
    { Case& c = add("gspo-seq-f32", 1, 12, v1, EAPO_F32, 1.0f, 21); c.seq_level = true; c.cfg.dual_clip = 0.0f; }
    { Case& c = add("gspo-seq-bf16-kl", 2, 6, v2, EAPO_BF16, 0.9f, 22);
      c.seq_level = true; c.kl = true; c.cfg.kl_beta = 0.04f; }
    { Case& c = add("cispo-f32", 1, 12, v1, EAPO_F32, 1.0f, 23);
      c.loss_type = EAPO_LOSS_CISPO; c.cfg.dual_clip = 0.0f; c.cfg.clip_high = 0.3f; }
    { Case& c = add("cispo-seq-bf16", 1, 8, v2, EAPO_BF16, 1.0f, 24);
      c.loss_type = EAPO_LOSS_CISPO; c.seq_level = true; c.cfg.dual_clip = 0.0f; c.inplace = true; }
    { Case& c = add("top-entropy-f16", 1, 15, v1, EAPO_F16, 1.0f, 25); c.top_entropy = true; c.cfg.entropy_coef = 0.05f; }
    { Case& c = add("clip-cov-bf16", 1, 12, v2, EAPO_BF16, 1.0f, 26); c.pg_keep = true; }
    { Case& c = add("kl-cov-bf16", 1, 15, v1, EAPO_BF16, 1.0f, 27);
      c.loss_type = EAPO_LOSS_UNCLIPPED; c.abs_kl_coef = 1.0f; c.cfg.dual_clip = 0.0f; }
    { Case& c = add("all-variants-bf16", 2, 8, v2, EAPO_BF16, 1.1f, 28);
      c.seq_level = true; c.pg_keep = true; c.abs_kl_coef = 0.5f; c.top_entropy = true; c.kl = true;
      c.cfg.kl_beta = 0.02f; c.cfg.entropy_coef = 0.03f; }
}

std::vector<Case> cases(bool small) {
    std::vector<Case> v;
    auto add = [&](const char* name, int64_t B, int64_t T, int64_t V, int dt, float tau, unsigned seed) -> Case& {
        Case c;
        c.name = name;
        c.B = B;
        c.T = T;
        c.V = V;
        c.dtype = dt;
        c.tau = tau;
        c.seed = seed;
        v.push_back(c);
        return v.back();
    };
    if (small) {
        add("tiny", 1, 3, 7, EAPO_F32, 0.7f, 2);
        { Case& c = add("strided-bf16-kl-inplace", 2, 3, 1001, EAPO_BF16, 1.3f, 3);
          c.pad_inner = 3; c.pad_outer = 5; c.base_off = 1; c.kl = true; c.cfg.kl_beta = 0.05f; c.inplace = true; }
        { Case& c = add("f16-contiguous-grad", 2, 2, 5003, EAPO_F16, 0.9f, 4);
          c.pad_inner = 1; c.base_off = 3; c.contiguous_grad = true; }
        { Case& c = add("f32-cluster-sized", 1, 3, 40000, EAPO_F32, 1.0f, 5); c.bad_values = true; }
        { Case& c = add("null-outputs", 1, 3, 2000, EAPO_BF16, 1.0f, 6); c.null_outputs = true; }
        { Case& c = add("no-grad-kl-monitor", 1, 3, 2000, EAPO_F16, 1.0f, 7); c.no_grad = true; c.kl = true; }
        add_variant_cases(add, true);
        return v;
    }
    add("1x1", 1, 1, 1, EAPO_F32, 1.0f, 1);
    add("3x7", 1, 3, 7, EAPO_F32, 0.7f, 2);
    add("64x1000-f32", 1, 64, 1000, EAPO_F32, 1.0f, 3);
    add("64x1000-bf16", 1, 64, 1000, EAPO_BF16, 1.0f, 3);
    { Case& c = add("64x1000-f16-kl-monitor", 1, 64, 1000, EAPO_F16, 0.8f, 3); c.kl = true; }  // beta = 0
    { Case& c = add("9x32000-bf16-kl", 1, 9, 32000, EAPO_BF16, 1.3f, 4); c.kl = true; c.cfg.kl_beta = 0.04f; }
    add("9x32000-f32", 1, 9, 32000, EAPO_F32, 1.0f, 4);
    add("2x151936-f32", 1, 2, 151936, EAPO_F32, 1.0f, 5);
    { Case& c = add("4x151936-bf16-inplace", 1, 4, 151936, EAPO_BF16, 1.0f, 5); c.inplace = true; }
    { Case& c = add("3x262144-f32", 1, 3, 262144, EAPO_F32, 0.9f, 6); c.kl = true; c.cfg.kl_beta = 0.1f; }
    add("3x262144-bf16", 1, 3, 262144, EAPO_BF16, 1.0f, 6);
    add("3x262144-f16", 1, 3, 262144, EAPO_F16, 1.1f, 6);
    { Case& c = add("N70000-bf16", 1, 70000, 64, EAPO_BF16, 1.0f, 7); c.masked = false; }
    { Case& c = add("N70000-f16-strided", 7, 10000, 37, EAPO_F16, 0.7f, 8); c.pad_inner = 1; c.inplace = true; }
    { Case& c = add("BTV-strided-bf16-kl-inplace", 3, 5, 1001, EAPO_BF16, 1.3f, 9);
      c.pad_inner = 3; c.pad_outer = 7; c.base_off = 1; c.kl = true; c.cfg.kl_beta = 0.05f; c.inplace = true; }
    { Case& c = add("BTV-strided-f32-contig-grad", 3, 5, 32003, EAPO_F32, 0.6f, 10);
      c.pad_inner = 5; c.pad_outer = 2; c.base_off = 2; c.contiguous_grad = true; }
    { Case& c = add("BTV-strided-f16-151936", 2, 2, 151936, EAPO_F16, 1.0f, 11);
      c.pad_inner = 1; c.base_off = 1; c.kl = true; c.cfg.kl_beta = 0.02f; c.cfg.entropy_coef = 0.05f; }
    { Case& c = add("nan-inf-rows", 1, 6, 1000, EAPO_F32, 1.0f, 12); c.bad_values = true; }
    { Case& c = add("nan-inf-rows-bf16-151936", 1, 4, 151936, EAPO_BF16, 1.0f, 12); c.bad_values = true; }
    { Case& c = add("null-outputs", 1, 16, 5000, EAPO_BF16, 1.0f, 13); c.null_outputs = true; }
    { Case& c = add("no-grad-kl", 1, 16, 5000, EAPO_F32, 1.0f, 14);
      c.no_grad = true; c.kl = true; c.cfg.kl_beta = 0.3f; }
    { Case& c = add("no-dual-clip-no-entropy", 1, 16, 5000, EAPO_F32, 1.0f, 15);
      c.cfg.dual_clip = 0.0f; c.cfg.entropy_coef = 0.0f; }
    add_variant_cases(add, false);
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    bool small = false;
    std::vector<std::string> only, skip;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--small") == 0) small = true;
        else if (std::strcmp(argv[i], "--cpu-only") == 0) g_cpu_only = true;
        else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only.push_back(argv[++i]);
        else if (std::strcmp(argv[i], "--skip") == 0 && i + 1 < argc) skip.push_back(argv[++i]);
        else {
            std::printf("usage: %s [--small] [--cpu-only] [--only NAME_PART]... [--skip NAME_PART]...\n", argv[0]);
            return 2;
        }
    }
    auto selected = [&](const Case& c) {
        for (const std::string& s : skip)
            if (c.name.find(s) != std::string::npos) return false;
        if (only.empty()) return true;
        for (const std::string& s : only)
            if (c.name.find(s) != std::string::npos) return true;
        return false;
    };
    const int ndev = eapo_cuda_device_count();
    std::printf("eapo4j GPU test: cuda compiled %d, devices %d, cpu simd %s\n", eapo_cuda_compiled(), ndev,
                eapo_cpu_simd_level());
    if (g_cpu_only) {
        for (const Case& c : cases(small))
            if (selected(c)) run_case(c);
        std::printf("%s: %d failures (CPU kernels vs float64 reference only)\n", g_failures ? "FAILED" : "OK",
                    g_failures);
        return g_failures ? 1 : 0;
    }
    check_api_errors(ndev > 0);
    if (ndev == 0) {
        if (g_failures) {
            std::printf("FAILED: %d API failures without a device\n", g_failures);
            return 1;
        }
        std::printf("SKIPPED: no CUDA device\n");
        return 0;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device 0: %s, sm_%d%d, %d SMs, %zu KB smem/block opt-in, %d MB L2\n", prop.name, prop.major,
                prop.minor, prop.multiProcessorCount, prop.sharedMemPerBlockOptin / 1024, prop.l2CacheSize >> 20);
    for (const Case& c : cases(small))
        if (selected(c)) run_case(c);
    check_invalid_target_and_leaks(small);
    std::printf("%s: %d failures\n", g_failures ? "FAILED" : "OK", g_failures);
    return g_failures ? 1 : 0;
}
