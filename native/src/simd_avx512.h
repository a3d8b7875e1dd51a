// AVX-512 row kernels (16 floats per zmm register) for the avx512 build of the CPU kernels (EAPO_SIMD_NS=avx512,
// compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512bf16 -mfma; see native/CMakeLists.txt).
// simd.h includes this file in that build only; the avx2 and generic builds keep the 8-lane code of simd.h.
//
// Why a separate path rather than wider vec8 code: the 8-lane kernels convert each 1024-element block into a buffer
// and then sweep it with one accumulator and a blend-heavy exp, so memory idles while the core computes. Here:
//  - the logits are converted straight from the row as they are used (bf16: a 16-bit shift), no buffer;
//  - four independent accumulators per sweep (no loop-carried add chain), software prefetch of the row ahead;
//  - no per-element max: the reference is the first live block's max, and a block's sum tells when to redo it;
//  - exp is 2^y: vreduceps, a degree-5 polynomial and vscalefps (which also zeroes the underflow lanes: no blends);
//  - the policy loss keeps the exponentials of the statistics pass (one row, fp32) for its gradient pass.
// No -ffast-math: masked logits are -inf and must give exp() = 0, NaN must reach the sums.
#ifndef EAPO4J_SIMD_AVX512_H
#define EAPO4J_SIMD_AVX512_H

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace eapo4j {
namespace v512 {

constexpr int kW = 16;                 // floats per vector
constexpr int kUnroll = 4;             // independent accumulators per sweep
constexpr int kStep = kW * kUnroll;    // elements per unrolled iteration
constexpr int kPrefetchBytes = 2048;   // how far ahead of the loads the row is prefetched
constexpr int kBlock512 = 2048;        // elements per block of the online max (re-read from L1 when rebased)

static inline __m512 splat(float x) { return _mm512_set1_ps(x); }

static inline __mmask16 tail_mask(int64_t n) { return n >= kW ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u); }

// 16 logits from element i of a row as fp32; the tail form fills lanes outside k with -inf (exp() = 0).
template <int DT>
static inline __m512 load16(const void* row, int64_t i) {
    if constexpr (DT == EAPO_F32) {
        return _mm512_loadu_ps(static_cast<const float*>(row) + i);
    } else {
        __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(row) + i));
        if constexpr (DT == EAPO_BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
        else return _mm512_cvtph_ps(h);
    }
}

template <int DT>
static inline __m512 load16_tail(const void* row, int64_t i, __mmask16 k) {
    if constexpr (DT == EAPO_F32) {
        return _mm512_mask_loadu_ps(splat(-INFINITY), k, static_cast<const float*>(row) + i);
    } else {
        const short ninf = DT == EAPO_BF16 ? (short)0xFF80 : (short)0xFC00;
        __m256i h = _mm256_mask_loadu_epi16(_mm256_set1_epi16(ninf), k, static_cast<const uint16_t*>(row) + i);
        if constexpr (DT == EAPO_BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
        else return _mm512_cvtph_ps(h);
    }
}

// Stores 16 fp32 values in the logits dtype (lanes in k only). bf16 rounds to nearest even like eapo_f32_to_bf16
// (NaN stays a quiet NaN); vcvtneps2bf16 flushes results below 1.2e-38 to zero, which the scalar rounding keeps.
// kFull: all 16 lanes, as a plain store (masked stores are slow on some cores); kStream: a non-temporal store
// (the address must then be vector-aligned), which skips reading the destination's line first.
template <int DT, bool kFull = false, bool kStream = false>
static inline void store16(void* row, int64_t i, __m512 v, __mmask16 k) {
    if constexpr (DT == EAPO_F32) {
        float* p = static_cast<float*>(row) + i;
        if constexpr (kStream) _mm512_stream_ps(p, v);
        else if constexpr (kFull) _mm512_storeu_ps(p, v);
        else _mm512_mask_storeu_ps(p, k, v);
    } else {
        __m256i h;
        if constexpr (DT == EAPO_BF16) h = (__m256i)_mm512_cvtneps_pbh(v);
        else h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256i* p = reinterpret_cast<__m256i*>(static_cast<uint16_t*>(row) + i);
        if constexpr (kStream) _mm256_stream_si256(p, h);
        else if constexpr (kFull) _mm256_storeu_si256(p, h);
        else _mm256_mask_storeu_epi16(p, k, h);
    }
}

template <int DT>
static inline void prefetch_ahead(const void* row, int64_t i) {
    const char* p = static_cast<const char*>(row) + i * (DT == EAPO_F32 ? 4 : 2) + kPrefetchBytes;
    for (int b = 0; b < kStep * (DT == EAPO_F32 ? 4 : 2); b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
}

// Base-2 exponentials: the row is swept as y = x * (scale log2 e) - m2 and 2^y, so exp(x * scale - m2 ln 2) costs a
// multiply-add, y - floor(y) (vreduceps), a degree-5 polynomial and vscalefps (2^floor(y), which also zeroes the
// lanes outside live): no range reduction by ln 2 and no integer tricks.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2 = 0.693147180559945309f;
constexpr float kY2Lo = -126.0f;  // 2^y below 2^-126 counts as 0 (only normal floats; a masked -inf logit gives 0)

// 2^y on the lanes of live, 0 elsewhere (whatever y holds there: -inf, huge). 2^f on [0, 1) by a minimax
// polynomial, relative error < 1.7e-7 (fp32 evaluation included).
static inline __m512 exp2_16(__m512 y, __mmask16 live) {
    const __m512 f = _mm512_reduce_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);  // y - floor(y)
    __m512 p = splat(1.877574716e-03f);
    p = _mm512_fmadd_ps(p, f, splat(8.989345282e-03f));
    p = _mm512_fmadd_ps(p, f, splat(5.582631379e-02f));
    p = _mm512_fmadd_ps(p, f, splat(2.401536256e-01f));
    p = _mm512_fmadd_ps(p, f, splat(6.931530833e-01f));
    p = _mm512_fmadd_ps(p, f, splat(9.999999404e-01f));
    return _mm512_maskz_scalef_ps(live, p, y);
}

// One vector of the statistics sweep: y = x c1 - m2, e = 2^y, s += e, t += e y. Lanes with y < -126 (masked logits)
// add exactly 0 to both sums; a NaN lane makes both NaN. Returns e.
static inline __m512 stats_step(__m512 x, __m512 vc1, __m512 vm2, __m512& s, __m512& t) {
    const __m512 y = _mm512_fmsub_ps(x, vc1, vm2);
    const __mmask16 live = _mm512_cmp_ps_mask(y, splat(kY2Lo), _CMP_NLT_UQ);  // y >= -126, or NaN
    const __m512 e = exp2_16(y, live);
    s = _mm512_add_ps(s, e);
    t = _mm512_mask3_fmadd_ps(e, y, t, live);  // only live lanes: never 0 * -inf
    return e;
}

// Adds sum 2^y to *s and sum 2^y y to *t over elements [off, off + n) of a row (y = x c1 - m2). Valid while y stays
// below 128 (else the block's sum is inf and the caller redoes it). With a keep buffer (one per row), also stores 2^y
// of element i at keep[i]: the policy loss's gradient pass reuses them instead of a second exponential.
template <int DT, bool kKeep>
static inline void block_exp_sums(const void* row, int64_t off, int n, float c1, float m2, float* s, float* t,
                                  float* keep) {
    const __m512 vc1 = splat(c1), vm2 = splat(m2);
    __m512 vs[kUnroll], vt[kUnroll];
    for (int u = 0; u < kUnroll; ++u) vs[u] = vt[u] = _mm512_setzero_ps();
    int64_t i = off;
    const int64_t end = off + n;
    for (; i + kStep <= end; i += kStep) {
        prefetch_ahead<DT>(row, i);
        for (int u = 0; u < kUnroll; ++u) {
            __m512 e = stats_step(load16<DT>(row, i + u * kW), vc1, vm2, vs[u], vt[u]);
            if constexpr (kKeep) _mm512_storeu_ps(keep + i + u * kW, e);
        }
    }
    for (int u = 0; i < end; i += kW, u = (u + 1) % kUnroll) {
        const __mmask16 k = tail_mask(end - i);
        __m512 e = stats_step(load16_tail<DT>(row, i, k), vc1, vm2, vs[u], vt[u]);
        if constexpr (kKeep) _mm512_mask_storeu_ps(keep + i, k, e);
    }
    *s += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(vs[0], vs[1]), _mm512_add_ps(vs[2], vs[3])));
    *t += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(vt[0], vt[1]), _mm512_add_ps(vt[2], vt[3])));
}

// max x over elements [off, off + n) (unscaled); sets *saw_nan when one of them is NaN (the max skips NaN).
template <int DT>
static inline float block_max(const void* row, int64_t off, int n, bool* saw_nan) {
    __m512 vx[kUnroll];
    for (int u = 0; u < kUnroll; ++u) vx[u] = splat(-INFINITY);
    __mmask16 nan = 0;
    int64_t i = off;
    const int64_t end = off + n;
    for (; i + kStep <= end; i += kStep) {
        prefetch_ahead<DT>(row, i);
        for (int u = 0; u < kUnroll; ++u) {
            __m512 x = load16<DT>(row, i + u * kW);
            vx[u] = _mm512_max_ps(x, vx[u]);  // vmaxps returns the second operand when x is NaN
            nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        }
    }
    for (; i < end; i += kW) {
        __m512 x = load16_tail<DT>(row, i, tail_mask(end - i));
        vx[0] = _mm512_max_ps(x, vx[0]);
        nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    }
    *saw_nan |= nan != 0;
    return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(vx[0], vx[1]), _mm512_max_ps(vx[2], vx[3])));
}

// The accumulator in base 2: s = sum 2^(y - m2), t = sum 2^(y - m2) (y - m2); eapo_acc_rebase in these units.
static inline void rebase2(float& m2, float& s, float& t, float m2_new) {
    if (s == 0.0f || m2 == m2_new) {
        m2 = m2_new;
        return;
    }
    const float delta = m2 - m2_new, alpha = exp2f(delta);
    t = alpha * (t + delta * s);
    s = alpha * s;
    m2 = m2_new;
}

// A block whose sum passes this was taken against a reference far below its max (or overflowed): it is redone
// against its own max, so that log s stays small (no cancellation in the entropy) and 2^y finite.
constexpr float kRedoSum = 1048576.0f;  // 2^20

// Softmax statistics of one row in one pass over memory. The reference m2 (in y units) is the max of the first block
// with a live entry, found by a max sweep of that block (then in L1); every block after it is exponentiated against m2
// as it streams in, with no per-element max: the block's sum tells when its values rose far above m2 (kRedoSum), and
// only then is its max taken and the block redone from L1. keep (vocab floats) and keep_ref (one per block), when
// given, receive each 2^(y - m2_b) and the reference m2_b of its block (-inf, and zeros, for a leading all-masked
// block), from which write_grad_row_kept gets p = 2^(y - m2_b) 2^(m2_b - m2) / s.
// Returns the statistics in natural units (m = m2 ln 2, t = t2 ln 2), as eapo4j_rowmath.h expects them.
template <int DT, bool kKeep = false>
static inline eapo_softmax_acc row_softmax_stats(const void* row, int64_t vocab, float scale,
                                                 float* keep = nullptr, float* keep_ref = nullptr,
                                                 float* m2_out = nullptr) {
    const float c1 = scale * kLog2e;
    float m2 = -INFINITY, s = 0.0f, t = 0.0f;
    bool saw_nan = false;
    for (int64_t off = 0; off < vocab; off += kBlock512) {
        const int n = (int)(vocab - off < kBlock512 ? vocab - off : kBlock512);
        if (m2 == -INFINITY) {  // nothing live yet: this block's max becomes the reference
            const float bm = block_max<DT>(row, off, n, &saw_nan);
            if (bm == -INFINITY) {  // an all-masked block adds nothing
                if constexpr (kKeep) {
                    std::memset(keep + off, 0, sizeof(float) * (size_t)n);
                    keep_ref[off / kBlock512] = -INFINITY;
                }
                continue;
            }
            m2 = bm * c1;
        }
        float bs = 0.0f, bt = 0.0f;
        block_exp_sums<DT, kKeep>(row, off, n, c1, m2, &bs, &bt, keep);
        if (bs > kRedoSum) {  // (inf included; NaN is not, and stays in s)
            const float bm2 = block_max<DT>(row, off, n, &saw_nan) * c1;
            rebase2(m2, s, t, bm2);
            bs = bt = 0.0f;
            block_exp_sums<DT, kKeep>(row, off, n, c1, m2, &bs, &bt, keep);
        }
        if constexpr (kKeep) keep_ref[off / kBlock512] = m2;
        s += bs;
        t += bt;
    }
    eapo_softmax_acc acc;
    acc.m = m2 * kLn2;
    acc.s = s;
    acc.t = t * kLn2;
    if (saw_nan) acc.m = acc.s = acc.t = NAN;
    if (m2_out) *m2_out = saw_nan ? NAN : m2;
    return acc;
}

// One vector of the gradient, p (a + b max(log p, -1e4)), from a kept e = 2^(y - m2_b): p = e c with
// c = 2^(m2_b - m2) / s, and log p = x' - (m + log s) (log p only enters the small entropy term b log p).
// Masked entries have e = 0: p = +0 and the + 0 (inside the fma) keeps the product +0, never -0.
static inline __m512 grad16_kept(__m512 x, __m512 e, __m512 vc, __m512 vscale, __m512 vlse, __m512 va, __m512 vb) {
    const __m512 logp = _mm512_fmsub_ps(x, vscale, vlse);
    const __m512 p = _mm512_mul_ps(e, vc);
    const __m512 clamped = _mm512_max_ps(logp, splat(-1.0e4f));  // NaN -> floor, but then p is NaN
    return _mm512_fmadd_ps(p, _mm512_fmadd_ps(vb, clamped, va), _mm512_setzero_ps());
}

// The gradient row of policy_loss_cpu.cpp's write_grad_row (same factored form), from the logits row (read again,
// from cache) and the exponentials kept by row_softmax_stats (m2: its reference): a multiply and three multiply-adds
// per element instead of a second exponential. The target's extra term t goes into its one lane after the sweep.
// kStream: non-temporal stores for the full vectors (grad_row must be vector-aligned; the caller fences).
template <int DT, bool kStream>
static inline void write_grad_row_kept(const void* row, void* grad_row, int64_t vocab, float scale,
                                       const eapo_softmax_acc& acc, float m2, int64_t target,
                                       const eapo_grad_factors& f, const float* keep, const float* keep_ref) {
    const __m512 vscale = splat(scale), vlse = splat(acc.m + logf(acc.s)), va = splat(f.a), vb = splat(f.b);
    const bool finite_row = std::isfinite(m2) && acc.s > 0.0f && std::isfinite(acc.s);
    for (int64_t off = 0; off < vocab; off += kBlock512) {
        const int64_t end = vocab - off < kBlock512 ? vocab : off + kBlock512;
        // m2_b <= m2: c <= 1 / s. A leading all-masked block (its e are 0) gets 0; a NaN or all-masked row NaN.
        const float ref = keep_ref[off / kBlock512];
        const __m512 vc = splat(ref == -INFINITY && finite_row ? 0.0f : exp2f(ref - m2) / acc.s);
        int64_t i = off;
        for (; i + kStep <= end; i += kStep) {
            prefetch_ahead<DT>(row, i);
            __m512 g[kUnroll];
            for (int u = 0; u < kUnroll; ++u)
                g[u] = grad16_kept(load16<DT>(row, i + u * kW), _mm512_loadu_ps(keep + i + u * kW), vc, vscale, vlse,
                                   va, vb);
            for (int u = 0; u < kUnroll; ++u) store16<DT, true, kStream>(grad_row, i + u * kW, g[u], 0xFFFF);
        }
        for (; i < end; i += kW) {
            const __mmask16 k = tail_mask(end - i);
            store16<DT>(grad_row, i,
                        grad16_kept(load16_tail<DT>(row, i, k), _mm512_maskz_loadu_ps(k, keep + i), vc, vscale, vlse,
                                    va, vb),
                        k);
        }
        if (target >= off && target < end) {  // the target: its lane plus t, rounded once into the dtype
            const int64_t i0 = off + (target - off) / kW * kW;
            const __mmask16 k = tail_mask(end - i0), lane = (__mmask16)(1u << (target - i0));
            __m512 g = grad16_kept(load16_tail<DT>(row, i0, k), _mm512_maskz_loadu_ps(k, keep + i0), vc, vscale,
                                   vlse, va, vb);
            g = _mm512_mask_add_ps(g, lane, g, splat(f.t));
            if (kStream) _mm_sfence();  // the streamed lane value must land before this store overwrites it
            store16<DT>(grad_row, i0, g, lane);
        }
    }
}

// The gradient rows of a call larger than this go out with non-temporal stores: nothing reads them back soon enough
// for the cache to help, and streaming skips reading each destination line before writing it.
constexpr int64_t kStreamBytes = 8 << 20;

template <int DT>
static inline void write_grad_row(const void* row, void* grad_row, int64_t vocab, float scale,
                                  const eapo_softmax_acc& acc, float m2, int64_t target, const eapo_grad_factors& f,
                                  const float* keep, const float* keep_ref, bool stream) {
    const size_t align = DT == EAPO_F32 ? 64 : 32;
    if (stream && reinterpret_cast<uintptr_t>(grad_row) % align == 0)
        write_grad_row_kept<DT, true>(row, grad_row, vocab, scale, acc, m2, target, f, keep, keep_ref);
    else
        write_grad_row_kept<DT, false>(row, grad_row, vocab, scale, acc, m2, target, f, keep, keep_ref);
}

}  // namespace v512
}  // namespace eapo4j

#endif  // EAPO4J_SIMD_AVX512_H
