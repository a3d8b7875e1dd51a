// Token sampling, CPU: one id per row from softmax(logits / temperature) after top-k, top-p and min-p, drawn by
// inverse CDF in id order with the caller's uniform number (eapo4j.h "Sampling" is the contract). The CUDA twin is
// cuda/sampling.cu. Two versions side by side, as llm.c keeps them:
//
//   sample_reference_rows  the obvious one: float64 throughout and a full sort of the row (O(V log V)). It is the
//                          ground truth of the native and GPU tests (eapo_sample_cpu_reference), not a fast path.
//   sample_rows            no sort of the row. One max pass (which also rejects NaN / +inf), then by filter:
//                          - top-k (with or without top-p and min-p): one threshold pass collects the ids with
//                            d = (max - x) / T <= D, D = 4 nats doubled until k ids qualify (blocks of 64 ids below
//                            the threshold are skipped with one vector max), usually a few hundred; then
//                            nth_element if they are many, a sort of the candidates, and the filters in float64;
//                          - top-p alone: a histogram of d in bins of 1/32 nat with the float32 exp mass of each
//                            bin; the cut lies in the first bin whose running mass reaches top_p * Z, and only that
//                            bin's ids are sorted; the kept set is then a threshold of the row;
//                          - threshold sets (no filter, min-p alone, top-p alone) are drawn without candidates: two
//                            passes of blocked float32 exp with float64 block sums, then one block is rescanned.
//
// Compiled once per SIMD level with EAPO_SIMD_NS set (native/CMakeLists.txt). Deliberately no -ffast-math: -inf
// logits are masked tokens and must give exp() = 0 and never compare as finite.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "cpu_kernels.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

namespace {

constexpr int kBins = 4096;            // histogram bins of d = (max - x) / temperature
constexpr float kBinsPerNat = 32.0f;   // bin width 1/32 nat: 128 nats covered, the last bin takes the rest

struct Cand {
    float x;
    int32_t id;
};

// The row's valid logits as fp32: the row itself for fp32, else converted into buf.
const float* row_as_f32(const void* row, int dtype, int64_t n, std::vector<float>& buf) {
    if (dtype == EAPO_F32) return static_cast<const float*>(row);
    buf.resize((size_t)n + kLanes);
    if (dtype == EAPO_BF16) {  // bf16 is the high half of an fp32: widen and shift, 8 at a time
        typedef uint16_t u16x8 __attribute__((vector_size(16)));
        typedef uint32_t u32x8 __attribute__((vector_size(32)));
        const uint16_t* src = static_cast<const uint16_t*>(row);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            u16x8 h;
            std::memcpy(&h, src + i, sizeof h);
            u32x8 w = __builtin_convertvector(h, u32x8) << 16;
            std::memcpy(buf.data() + i, &w, sizeof w);
        }
        for (; i < n; ++i) buf[(size_t)i] = eapo_bf16_to_f32(src[i]);
        return buf.data();
    }
    for (int64_t off = 0; off < n; off += kBlock) {
        int len = (int)(n - off < kBlock ? n - off : kBlock);
        load_block(row, dtype, off, len, 1.0f, buf.data() + off);  // pads with -inf past len: rewritten next block
    }
    return buf.data();
}

// Max over x[0, n), and whether a NaN or +inf is among them.
float max_and_check(const float* x, int64_t n, bool* bad) {
    vec8 vm = splat(-INFINITY);
    ivec8 vbad = ivec8{0, 0, 0, 0, 0, 0, 0, 0};
    const vec8 pinf = splat(INFINITY);
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        vec8 v = load8(x + i);
        vm = v > vm ? v : vm;
        vbad |= (v != v) | (v == pinf);
    }
    float m = hmax(vm);
    bool b = false;
    for (int l = 0; l < kLanes; ++l) b |= vbad[l] != 0;
    for (; i < n; ++i) {
        float v = x[i];
        b |= (v != v) || v == INFINITY;
        m = v > m ? v : m;
    }
    *bad = b;
    return m;
}

// Bin of one element: floor(d * 32) capped at kBins - 1, with d = (xmax - x) * inv_tau >= 0; -inf goes to kBins
// (a sink that is never counted). The scalar and vector forms compute the same float operations.
inline int bin_of(float x, float xmax, float inv_tau) {
    if (x == -INFINITY) return kBins;
    float s = (xmax - x) * inv_tau * kBinsPerNat;
    return s < (float)(kBins - 1) ? (int)s : kBins - 1;
}

// The per-row scratch of one worker thread.
struct Scratch {
    std::vector<float> conv;
    std::vector<Cand> cands;
    std::vector<double> block_sum;
    std::vector<double> mass;
};

// Inverse CDF in id order over the candidates c[0, n) (already filtered), e = exp(z - zmax) in float64.
// Returns the id and writes log p of it.
int64_t pick_in_id_order(Cand* c, int64_t n, double tau, double zmax, double u, float* logp) {
    std::sort(c, c + n, [](const Cand& a, const Cand& b) { return a.id < b.id; });
    double z2 = 0.0;
    for (int64_t i = 0; i < n; ++i) z2 += std::exp((double)c[i].x / tau - zmax);
    const double target = u * z2;
    double cum = 0.0;
    int64_t pick = n - 1;
    double e_pick = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        double e = std::exp((double)c[i].x / tau - zmax);
        cum += e;
        if (target < cum) {
            pick = i;
            e_pick = e;
            break;
        }
    }
    if (e_pick == 0.0) e_pick = std::exp((double)c[pick].x / tau - zmax);
    *logp = (float)std::log(e_pick / z2);
    return c[pick].id;
}

// A kept set that is a threshold of the row: the ids with x > x_cut, or x == x_cut and id <= id_cut, and
// e >= min_p (every finite id with x_cut = -inf). No candidates: two blocked passes of float32 exp; block sums in
// float64 locate the block of the inverse CDF, which is rescanned.
int64_t sample_streaming(const float* x, int64_t n, float xmax, float inv_tau, float min_p, float x_cut,
                         int64_t id_cut, double u, Scratch& s, float* logp) {
    alignas(64) float e[kBlock];
    const int64_t n_blocks = (n + kBlock - 1) / kBlock;
    s.block_sum.assign((size_t)n_blocks, 0.0);
    auto block_exp = [&](int64_t b) {  // e[0, len) for block b, 0 where cut by min-p; returns len
        int64_t off = b * kBlock;
        int len = (int)(n - off < kBlock ? n - off : kBlock);
        int i = 0;
        const vec8 vmax = splat(xmax), vt = splat(inv_tau), vmin = splat(min_p), zero = splat(0.0f);
        const vec8 vcut = splat(x_cut);
        for (; i + kLanes <= len; i += kLanes) {
            vec8 v = load8(x + off + i);
            vec8 ev = vexp((v - vmax) * vt);  // x = -inf gives exp(-inf) = 0
            ev = (ev >= vmin) & (v >= vcut) ? ev : zero;
            store8(e + i, ev);
        }
        for (; i < len; ++i) {  // the same float operations, one lane at a time
            vec8 ev = vexp(splat((x[off + i] - xmax) * inv_tau));
            e[i] = ev[0] >= min_p && x[off + i] >= x_cut ? ev[0] : 0.0f;
        }
        if (x_cut > -INFINITY)  // ids tied at the cut past id_cut are out
            for (int j = 0; j < len; ++j)
                if (x[off + j] == x_cut && off + j > id_cut) e[j] = 0.0f;
        return len;
    };
    double total = 0.0;
    for (int64_t b = 0; b < n_blocks; ++b) {
        int len = block_exp(b);
        double bs = 0.0;
        vec8 acc = splat(0.0f);
        int i = 0;
        for (; i + kLanes <= len; i += kLanes) acc += load8(e + i);
        bs = hsum(acc);
        for (; i < len; ++i) bs += e[i];
        s.block_sum[(size_t)b] = bs;
        total += bs;
    }
    const double target = u * total;
    double before = 0.0;
    int64_t last_id = -1;
    float last_e = 0.0f;
    for (int64_t b = 0; b < n_blocks; ++b) {
        if (s.block_sum[(size_t)b] == 0.0) continue;
        if (target >= before + s.block_sum[(size_t)b] && b + 1 < n_blocks) {
            before += s.block_sum[(size_t)b];
            continue;
        }
        int len = block_exp(b);
        double cum = before;
        for (int i = 0; i < len; ++i) {
            if (e[i] == 0.0f) continue;
            cum += e[i];
            last_id = b * kBlock + i;
            last_e = e[i];
            if (target < cum) {
                *logp = (float)std::log((double)e[i] / total);
                return last_id;
            }
        }
        before = cum;
    }
    last_id = -1;  // target at or past the total (rounding): the last kept id of the row
    {
        for (int64_t b = n_blocks - 1; b >= 0 && last_id < 0; --b) {
            int len = block_exp(b);
            for (int i = len - 1; i >= 0; --i)
                if (e[i] > 0.0f) {
                    last_id = b * kBlock + i;
                    last_e = e[i];
                    break;
                }
        }
    }
    *logp = (float)std::log((double)last_e / total);
    return last_id;
}

// Top-p without top-k: a histogram of d = (max - x) / T with the float32 exp mass of each bin; the cut lies in the
// first bin whose running mass reaches top_p * Z. Every id in the bins before it stays; only that bin's ids are
// sorted to find where, within it, the mass is reached. The kept set is then a threshold of the row.
int64_t sample_top_p(const float* x, int64_t n, float xmax, const eapo_sample_args& a, double u, Scratch& s,
                     float* logp) {
    const double tau = a.temperature;
    const float inv_tau = (float)(1.0 / tau);
    // Four interleaved copies of the histogram: neighbouring ids often share a bin, and one copy would chain every
    // add on the previous one through memory.
    constexpr size_t kStride = kBins + 1;
    s.mass.assign(4 * kStride, 0.0);
    double* h = s.mass.data();
    {
        const vec8 vmax = splat(xmax), vt = splat(inv_tau), vs = splat(kBinsPerNat), cap = splat((float)(kBins - 1));
        const vec8 ninf = splat(-INFINITY);
        int64_t i = 0;
        for (; i + kLanes <= n; i += kLanes) {
            vec8 v = load8(x + i);
            vec8 d = (vmax - v) * vt;
            vec8 sc = d * vs;
            sc = sc < cap ? sc : cap;
            ivec8 bi = __builtin_convertvector(sc, ivec8);
            bi = v == ninf ? ivec8{kBins, kBins, kBins, kBins, kBins, kBins, kBins, kBins} : bi;
            vec8 ev = vexp(-d);
            for (int l = 0; l < kLanes; ++l) h[(size_t)(l & 3) * kStride + (size_t)bi[l]] += ev[l];
        }
        for (; i < n; ++i) h[(size_t)bin_of(x[i], xmax, inv_tau)] += vexp(splat(-((xmax - x[i]) * inv_tau)))[0];
        for (size_t b = 0; b < kStride; ++b) h[b] = (h[b] + h[kStride + b]) + (h[2 * kStride + b] + h[3 * kStride + b]);
    }
    double z_all = 0.0;
    for (int b = 0; b < kBins; ++b) z_all += s.mass[(size_t)b];
    const double need = a.top_p * z_all;
    double above = 0.0;
    int cut_bin = kBins - 1;
    for (int b = 0; b < kBins; ++b) {
        if (above + s.mass[(size_t)b] >= need) {
            cut_bin = b;
            break;
        }
        above += s.mass[(size_t)b];
    }
    // The ids of the cut bin; blocks of 64 whose largest x lies past the bin are skipped (bins grow as x falls).
    s.cands.clear();
    constexpr int kChunk = 8 * kLanes;
    int64_t i0 = 0;
    for (; i0 + kChunk <= n; i0 += kChunk) {
        vec8 vm = load8(x + i0);
        for (int j = kLanes; j < kChunk; j += kLanes) {
            vec8 v = load8(x + i0 + j);
            vm = v > vm ? v : vm;
        }
        if (bin_of(hmax(vm), xmax, inv_tau) > cut_bin) continue;
        for (int j = 0; j < kChunk; ++j)
            if (bin_of(x[i0 + j], xmax, inv_tau) == cut_bin) s.cands.push_back(Cand{x[i0 + j], (int32_t)(i0 + j)});
    }
    for (; i0 < n; ++i0)
        if (bin_of(x[i0], xmax, inv_tau) == cut_bin) s.cands.push_back(Cand{x[i0], (int32_t)i0});
    Cand* c = s.cands.data();
    const int64_t m = (int64_t)s.cands.size();
    if (m == 0) return sample_streaming(x, n, xmax, inv_tau, (float)a.min_p, -INFINITY, n, u, s, logp);
    std::sort(c, c + m, [](const Cand& p, const Cand& q) { return p.x > q.x || (p.x == q.x && p.id < q.id); });
    const double zmax = (double)xmax / tau;
    double cum = above / z_all;
    int64_t cut = m - 1;
    for (int64_t i = 0; i < m; ++i) {
        cum += std::exp((double)c[i].x / tau - zmax) / z_all;
        if (cum >= a.top_p) {
            cut = i;
            break;
        }
    }
    return sample_streaming(x, n, xmax, inv_tau, (float)a.min_p, c[cut].x, c[cut].id, u, s, logp);
}

// Appends to s.cands every id with x >= thr, in id order. Blocks of 64 whose max is below thr are skipped with
// one vector max, so a pass costs little more than reading the row when the candidates are few.
void collect_at_least(const float* x, int64_t n, float thr, Scratch& s) {
    s.cands.clear();
    constexpr int kChunk = 8 * kLanes;
    int64_t i = 0;
    for (; i + kChunk <= n; i += kChunk) {
        vec8 m = load8(x + i);
        for (int j = kLanes; j < kChunk; j += kLanes) {
            vec8 v = load8(x + i + j);
            m = v > m ? v : m;
        }
        if (!(hmax(m) >= thr)) continue;
        for (int j = 0; j < kChunk; ++j)
            if (x[i + j] >= thr) s.cands.push_back(Cand{x[i + j], (int32_t)(i + j)});
    }
    for (; i < n; ++i)
        if (x[i] >= thr) s.cands.push_back(Cand{x[i], (int32_t)i});
}

// Top-k (with or without top-p, min-p): the candidates are the ids with d = (max - x) / T <= D for a D that
// doubles (from 4 nats) until at least k finite ids qualify; usually one pass. Then the filters in float64 on
// the sorted candidates.
int64_t sample_top_k(const float* x, int64_t n, float xmax, const eapo_sample_args& a, double u, Scratch& s,
                     float* logp) {
    const double tau = a.temperature;
    const int64_t k = a.top_k;
    const bool use_p = a.top_p < 1.0;
    // min-p alone caps D: with top-p as well, top-p's normaliser is the sum over the whole top-k set.
    const double d_minp = a.min_p > 0.0 && !use_p ? -std::log(a.min_p) * (1.0 + 1e-6) + 1e-6 : INFINITY;
    double d = std::min(4.0, d_minp);
    for (;;) {
        const float thr = (float)((double)xmax - d * tau);
        collect_at_least(x, n, thr > -INFINITY ? thr : -FLT_MAX, s);
        if ((int64_t)s.cands.size() >= k || d >= d_minp || !(thr > -FLT_MAX)) break;
        d = std::min(d * 2.0, d_minp);
        if (d > 1e30) d = INFINITY;
    }
    Cand* c = s.cands.data();
    int64_t m = (int64_t)s.cands.size();
    auto before = [](const Cand& p, const Cand& q) { return p.x > q.x || (p.x == q.x && p.id < q.id); };
    if (m > 4 * k + 64) {  // many candidates: keep those >= the k-th largest value before sorting
        std::nth_element(c, c + (k - 1), c + m, before);
        const float kth = c[k - 1].x;
        int64_t w = 0;
        for (int64_t i = 0; i < m; ++i)
            if (c[i].x >= kth) c[w++] = c[i];
        m = w;
    }
    std::sort(c, c + m, before);
    const double zmax = (double)xmax / tau;
    int64_t kept = m;
    if (k < m) {
        const float kth = c[k - 1].x;
        kept = k;
        while (kept < m && c[kept].x >= kth) ++kept;  // ties with the k-th value stay
    }
    if (use_p) {
        double z = 0.0;
        for (int64_t i = 0; i < kept; ++i) z += std::exp((double)c[i].x / tau - zmax);
        double cum = 0.0;
        for (int64_t i = 0; i < kept; ++i) {
            cum += std::exp((double)c[i].x / tau - zmax) / z;
            if (cum >= a.top_p) {
                kept = i + 1;
                break;
            }
        }
    }
    if (a.min_p > 0.0)  // the largest p has e = 1, so p >= min_p * p_max is e >= min_p; a prefix of c
        while (kept > 1 && std::exp((double)c[kept - 1].x / tau - zmax) < a.min_p) --kept;
    return pick_in_id_order(c, kept, tau, zmax, u, logp);
}

}  // namespace

SampleFailure sample_rows(const eapo_sample_args& a, int64_t begin, int64_t end) {
    const RowGeometry geom{a.rows_inner, a.stride_outer, a.stride_inner};
    thread_local Scratch s;
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(a.logits) + geom.offset(r) * dtype_size(a.dtype);
        const int64_t n = a.valid_vocab ? a.valid_vocab[r] : a.vocab;
        const float* x = row_as_f32(row, a.dtype, n, s.conv);
        bool bad = false;
        const float xmax = max_and_check(x, n, &bad);
        if (bad) return SampleFailure{r, kSampleNonFinite};
        if (xmax == -INFINITY) return SampleFailure{r, kSampleAllMasked};
        float lp = 0.0f;
        int64_t id;
        if (a.temperature == 0.0) {
            id = 0;
            while (x[id] != xmax) ++id;  // the first id of the largest logit
        } else if (!(a.top_k > 0 && a.top_k < n) && !(a.top_p < 1.0)) {
            id = sample_streaming(x, n, xmax, (float)(1.0 / a.temperature), (float)a.min_p, -INFINITY, n,
                                  a.uniforms[r], s, &lp);
        } else if (a.top_k > 0 && a.top_k < n) {
            id = sample_top_k(x, n, xmax, a, a.uniforms[r], s, &lp);
        } else {
            id = sample_top_p(x, n, xmax, a, a.uniforms[r], s, &lp);
        }
        a.ids[r] = id;
        if (a.logp) a.logp[r] = lp;
    }
    return SampleFailure{};
}

// The definition, written for reading: every probability in float64, the whole row sorted.
SampleFailure sample_reference_rows(const eapo_sample_args& a, int64_t begin, int64_t end) {
    const RowGeometry geom{a.rows_inner, a.stride_outer, a.stride_inner};
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(a.logits) + geom.offset(r) * dtype_size(a.dtype);
        const int64_t n = a.valid_vocab ? a.valid_vocab[r] : a.vocab;
        std::vector<double> z((size_t)n);
        double zmax = -INFINITY;
        int64_t argmax = 0;
        for (int64_t v = 0; v < n; ++v) {
            double xv = load_scalar(row, a.dtype, v);
            if (std::isnan(xv) || xv == INFINITY) return SampleFailure{r, kSampleNonFinite};
            if (xv > zmax) {
                argmax = v;
                zmax = xv;
            }
            z[(size_t)v] = xv;
        }
        if (zmax == -INFINITY) return SampleFailure{r, kSampleAllMasked};
        if (a.temperature == 0.0) {
            a.ids[r] = argmax;
            if (a.logp) a.logp[r] = 0.0f;
            continue;
        }
        for (auto& v : z) v /= a.temperature;
        zmax /= a.temperature;
        std::vector<int64_t> order((size_t)n);
        for (int64_t v = 0; v < n; ++v) order[(size_t)v] = v;
        std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) { return z[(size_t)p] > z[(size_t)q]; });
        std::vector<char> keep((size_t)n, 1);
        for (int64_t v = 0; v < n; ++v) keep[(size_t)v] = z[(size_t)v] > -INFINITY;
        if (a.top_k > 0 && a.top_k < n) {
            double kth = z[(size_t)order[(size_t)a.top_k - 1]];
            for (int64_t v = 0; v < n; ++v) keep[(size_t)v] &= z[(size_t)v] >= kth;
        }
        std::vector<double> p((size_t)n, 0.0);
        double sum = 0.0;
        for (int64_t v = 0; v < n; ++v) {
            p[(size_t)v] = keep[(size_t)v] ? std::exp(z[(size_t)v] - zmax) : 0.0;
            sum += p[(size_t)v];
        }
        for (auto& q : p) q /= sum;
        if (a.top_p < 1.0) {
            double cum = 0.0;
            bool reached = false;
            for (int64_t i = 0; i < n; ++i) {
                int64_t v = order[(size_t)i];
                if (reached) keep[(size_t)v] = 0;
                if (!keep[(size_t)v]) continue;
                cum += p[(size_t)v];
                if (cum >= a.top_p) reached = true;
            }
        }
        if (a.min_p > 0.0) {
            double pmax = 0.0;
            for (int64_t v = 0; v < n; ++v)
                if (keep[(size_t)v]) pmax = std::max(pmax, p[(size_t)v]);
            for (int64_t v = 0; v < n; ++v) keep[(size_t)v] &= p[(size_t)v] >= a.min_p * pmax;
        }
        double s2 = 0.0;
        for (int64_t v = 0; v < n; ++v) s2 += keep[(size_t)v] ? p[(size_t)v] : 0.0;
        const double u = a.uniforms[r];
        double cum = 0.0;
        int64_t pick = -1;
        for (int64_t v = 0; v < n; ++v) {
            if (!keep[(size_t)v] || p[(size_t)v] == 0.0) continue;
            cum += p[(size_t)v] / s2;
            pick = v;
            if (u < cum) break;
        }
        a.ids[r] = pick;
        if (a.logp) a.logp[r] = (float)std::log(p[(size_t)pick] / s2);
    }
    return SampleFailure{};
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
