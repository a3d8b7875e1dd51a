// AVX-512 row kernels (16 floats per zmm register) for the avx512 build of the CPU kernels (EAPO_SIMD_NS=avx512,
// compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512bf16 -mfma; see native/CMakeLists.txt).
// simd.h includes this file in that build only; the avx2 and generic builds keep the 8-lane code of simd.h.
//
// Why a separate path rather than wider vec8 code: the 8-lane kernels convert each 1024-element block into a buffer
// and then sweep it with one accumulator and a blend-heavy exp, so memory idles while the core computes. Here:
//  - the logits are converted straight from the row as they are used (bf16: a 16-bit shift), no buffer;
//  - four independent accumulators per sweep (no loop-carried add chain), software prefetch of the row ahead;
//  - no per-element max: the reference is the first live block's max, and a block's sum tells when to redo it;
//  - exp(d) is 2^(d log2 e): vreduceps, a degree-5 polynomial and vscalefps (which also zeroes the underflow lanes:
//    no blends);
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

// exp(d) as 2^y with y = d log2(e): y - floor(y) (vreduceps), a degree-5 polynomial for 2^f on [0, 1), and
// vscalefps for 2^floor(y), which also zeroes the lanes outside live: no range reduction by ln 2, no blends.
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kExpLo = -87.33654f;  // exp(d) below this (2^-126) counts as 0: only normal floats, -inf gives 0

// exp(d) on the lanes of live, 0 elsewhere (whatever d holds there: -inf, huge). Relative error < 1.7e-7 (fp32
// evaluation included); exp(0) = 1 exactly (the polynomial's constant is 1). Without a mask (kAll): exp(-inf) = 0
// too (vreduceps gives 0 for an infinity, vscalefps 2^-inf = 0) and values below 2^-126 come out subnormal.
template <bool kAll = false>
static inline __m512 exp16(__m512 d, __mmask16 live = 0xFFFF) {
    const __m512 y = _mm512_mul_ps(d, splat(kLog2e));
    const __m512 f = _mm512_reduce_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);  // y - floor(y)
    __m512 p = splat(1.867130748e-03f);
    p = _mm512_fmadd_ps(p, f, splat(9.017028846e-03f));
    p = _mm512_fmadd_ps(p, f, splat(5.579991639e-02f));
    p = _mm512_fmadd_ps(p, f, splat(2.401644439e-01f));
    p = _mm512_fmadd_ps(p, f, splat(6.931512952e-01f));
    p = _mm512_fmadd_ps(p, f, splat(1.0f));
    if constexpr (kAll) return _mm512_scalef_ps(p, y);
    else return _mm512_maskz_scalef_ps(live, p, y);
}

// (The empty asm keeps the compiler from contracting the multiply and the subtraction into one fma, which would skip
// that rounding: the max element would give a tiny nonzero d, and a one-entry row a p slightly off 1.)
template <bool kUnit>
static inline __m512 minus_ref(__m512 x, __m512 vscale, __m512 vm) {
    if constexpr (kUnit) {
        return _mm512_sub_ps(x, vm);
    } else {
        __m512 xs = _mm512_mul_ps(x, vscale);
        __asm__("" : "+v"(xs));
        return _mm512_sub_ps(xs, vm);
    }
}

// One vector of the statistics sweep: d = x' - m, e = exp(d), s += e, t += e d. kMasked: lanes below kExpLo
// (masked logits) add exactly 0 to both sums and a NaN lane makes both NaN. Unmasked (the fast path, one operation
// less): a -inf lane makes t NaN (0 * -inf), and the caller redoes that block masked. Returns e.
template <bool kUnit, bool kMasked>
static inline __m512 stats_step(__m512 x, __m512 vscale, __m512 vm, __m512& s, __m512& t) {
    const __m512 d = minus_ref<kUnit>(x, vscale, vm);
    if constexpr (kMasked) {
        const __mmask16 live = _mm512_cmp_ps_mask(d, splat(kExpLo), _CMP_NLT_UQ);  // d >= lo, or NaN
        const __m512 e = exp16(d, live);
        s = _mm512_add_ps(s, e);
        t = _mm512_mask3_fmadd_ps(e, d, t, live);  // only live lanes: never 0 * -inf
        return e;
    } else {
        const __m512 e = exp16<true>(d);
        s = _mm512_add_ps(s, e);
        t = _mm512_fmadd_ps(e, d, t);
        return e;
    }
}

// Adds sum exp(x' - m) to *s and sum exp(x' - m) (x' - m) to *t over elements [off, off + n) of a row. Valid while
// x' - m stays below 88 (else the block's sum is inf and the caller redoes it). kKeep: also stores exp(x' - m) of
// element i at keep[i] (keep: one row): the policy loss's gradient pass reuses them instead of a second exp.
template <int DT, bool kUnit, bool kKeep, bool kMasked>
static inline void block_exp_sums(const void* row, int64_t off, int n, float scale, float m, float* s, float* t,
                                  float* keep) {
    const __m512 vscale = splat(scale), vm = splat(m);
    __m512 vs[kUnroll], vt[kUnroll];
    for (int u = 0; u < kUnroll; ++u) vs[u] = vt[u] = _mm512_setzero_ps();
    int64_t i = off;
    const int64_t end = off + n;
    for (; i + kStep <= end; i += kStep) {
        prefetch_ahead<DT>(row, i);
        if constexpr (DT == EAPO_BF16 && !kKeep) {
            // Without kept exponentials the order of the elements does not matter: 32 bf16 become two vectors of
            // fp32 by interleaving zero words below them (one operation per 16 instead of a widening and a shift).
            const __m512i zero = _mm512_setzero_si512();
            for (int u = 0; u < kUnroll; u += 2) {
                const __m512i h = _mm512_loadu_si512(static_cast<const uint16_t*>(row) + i + u * kW);
                stats_step<kUnit, kMasked>(_mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, h)), vscale, vm, vs[u],
                                           vt[u]);
                stats_step<kUnit, kMasked>(_mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, h)), vscale, vm,
                                           vs[u + 1], vt[u + 1]);
            }
        } else {
            for (int u = 0; u < kUnroll; ++u) {
                __m512 e = stats_step<kUnit, kMasked>(load16<DT>(row, i + u * kW), vscale, vm, vs[u], vt[u]);
                if constexpr (kKeep) _mm512_storeu_ps(keep + i + u * kW, e);
            }
        }
    }
    for (; i < end; i += kW) {  // (a constant index: a variable one would keep the accumulators in memory)
        const __mmask16 k = tail_mask(end - i);
        __m512 e = stats_step<kUnit, kMasked>(load16_tail<DT>(row, i, k), vscale, vm, vs[0], vt[0]);
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

// A block whose sum passes this was taken against a reference far below its max (or overflowed): it is redone
// against its own max, so that log s stays small (no cancellation in the entropy) and exp finite.
constexpr float kRedoSum = 1048576.0f;  // 2^20

// Softmax statistics of one row in one pass over memory. The reference m is the max of the first block with a live
// entry, found by a max sweep of that block (then in L1); every block after it is exponentiated against m as it
// streams in, with no per-element max: the block's sum tells when its values rose far above m (kRedoSum), and only
// then is its max taken and the block redone from L1. The sweep is unmasked; a block whose t comes out NaN without
// its s being NaN held a -inf logit and is redone masked (from L1; typically only the blocks of a padded vocabulary
// tail). A block below 2^20 is kept against m even when its max is a little above m (at most ~14 in log units):
// s and the kept exponentials stay far from overflow. kKeep: keep (vocab floats) and keep_ref (one per block) receive
// each exp(x' - m_b) and the reference m_b of its block (-inf, and zeros, for a leading all-masked block), from which
// write_grad_row gets p = exp(x' - m_b) exp(m_b - m) / s.
template <int DT, bool kUnit, bool kKeep>
static inline eapo_softmax_acc row_stats(const void* row, int64_t vocab, float scale, float* keep, float* keep_ref) {
    eapo_softmax_acc acc = eapo_acc_empty();
    bool saw_nan = false;
    for (int64_t off = 0; off < vocab; off += kBlock512) {
        const int n = (int)(vocab - off < kBlock512 ? vocab - off : kBlock512);
        if (acc.m == -INFINITY) {  // nothing live yet: this block's max becomes the reference
            const float bm = block_max<DT>(row, off, n, &saw_nan) * scale;  // scale > 0: the max of x'
            if (bm == -INFINITY) {  // an all-masked block adds nothing
                if constexpr (kKeep) {
                    std::memset(keep + off, 0, sizeof(float) * (size_t)n);
                    keep_ref[off / kBlock512] = -INFINITY;
                }
                continue;
            }
            acc.m = bm;
        }
        float bs = 0.0f, bt = 0.0f;
        block_exp_sums<DT, kUnit, kKeep, false>(row, off, n, scale, acc.m, &bs, &bt, keep);
        if (bs > kRedoSum) {  // (inf included; NaN is not, and stays in s)
            acc = eapo_acc_rebase(acc, block_max<DT>(row, off, n, &saw_nan) * scale);
            bs = bt = 0.0f;
            block_exp_sums<DT, kUnit, kKeep, true>(row, off, n, scale, acc.m, &bs, &bt, keep);
        } else if (bt != bt && bs == bs) {  // a -inf logit (0 * -inf in t): the block again, masked
            bs = bt = 0.0f;
            block_exp_sums<DT, kUnit, kKeep, true>(row, off, n, scale, acc.m, &bs, &bt, keep);
        }
        if constexpr (kKeep) keep_ref[off / kBlock512] = acc.m;
        acc.s += bs;
        acc.t += bt;
    }
    if (saw_nan) acc.m = acc.s = acc.t = NAN;
    return acc;
}

template <int DT, bool kKeep = false>
static inline eapo_softmax_acc row_softmax_stats(const void* row, int64_t vocab, float scale, float* keep = nullptr,
                                                 float* keep_ref = nullptr) {
    return scale == 1.0f ? row_stats<DT, true, kKeep>(row, vocab, scale, keep, keep_ref)
                         : row_stats<DT, false, kKeep>(row, vocab, scale, keep, keep_ref);
}

// One vector of the gradient, p (a + b max(log p, -1e4)), from a kept e = exp(x' - m_b): p = e c with
// c = exp(m_b - m) / s, and log p = x' - (m + log s). Masked entries have e = 0: p = +0, and the + 0
// (inside the fma) keeps the product +0, never -0.
template <bool kUnit>
static inline __m512 grad16(__m512 x, __m512 e, __m512 vc, __m512 vscale, __m512 vlse, __m512 va, __m512 vb) {
    const __m512 logp = minus_ref<kUnit>(x, vscale, vlse);  // x' - (m + log s): log p only enters the small b term
    const __m512 p = _mm512_mul_ps(e, vc);
    const __m512 clamped = _mm512_max_ps(logp, splat(-1.0e4f));  // NaN -> floor, but then p is NaN
    return _mm512_fmadd_ps(p, _mm512_fmadd_ps(vb, clamped, va), _mm512_setzero_ps());
}

// The gradient row of policy_loss_cpu.cpp's write_grad_row (same factored form), from the logits row (read again,
// from cache) and the exponentials kept by row_softmax_stats: a few multiply-adds per element instead of a second
// exp. The target's vector (with t added to its lane) is computed before its block is written: in place, the
// gradient overwrites the logits. kStream: non-temporal stores for the full vectors (grad_row vector-aligned).
template <int DT, bool kUnit, bool kStream>
static inline void write_grad_row_kept(const void* row, void* grad_row, int64_t vocab, float scale,
                                       const eapo_softmax_acc& acc, int64_t target, const eapo_grad_factors& f,
                                       const float* keep, const float* keep_ref) {
    const float logs = logf(acc.s);
    const __m512 vscale = splat(scale), vlse = splat(acc.m + logs), va = splat(f.a), vb = splat(f.b);
    const bool finite_row = std::isfinite(acc.m) && std::isfinite(logs);
    for (int64_t off = 0; off < vocab; off += kBlock512) {
        const int64_t end = vocab - off < kBlock512 ? vocab : off + kBlock512;
        // m_b <= m: c <= 1 / s. A leading all-masked block (its e are 0) gets 0; a NaN or all-masked row NaN.
        const float ref = keep_ref[off / kBlock512];
        const __m512 vc = splat(ref == -INFINITY && finite_row ? 0.0f : expf(ref - acc.m) / acc.s);
        const bool has_target = target >= off && target < end;
        const int64_t i0 = off + (target - off) / kW * kW;
        __m512 gt = _mm512_setzero_ps();
        if (has_target) {
            const __mmask16 k = tail_mask(end - i0);
            gt = grad16<kUnit>(load16_tail<DT>(row, i0, k), _mm512_maskz_loadu_ps(k, keep + i0), vc, vscale,
                               vlse, va, vb);
            gt = _mm512_add_ps(gt, splat(f.t));  // only the target's lane is stored
        }
        int64_t i = off;
        for (; i + kStep <= end; i += kStep) {
            prefetch_ahead<DT>(row, i);
            __m512 g[kUnroll];
            for (int u = 0; u < kUnroll; ++u)
                g[u] = grad16<kUnit>(load16<DT>(row, i + u * kW), _mm512_loadu_ps(keep + i + u * kW), vc, vscale,
                                     vlse, va, vb);
            for (int u = 0; u < kUnroll; ++u) store16<DT, true, kStream>(grad_row, i + u * kW, g[u], 0xFFFF);
        }
        for (; i < end; i += kW) {
            const __mmask16 k = tail_mask(end - i);
            store16<DT>(grad_row, i,
                        grad16<kUnit>(load16_tail<DT>(row, i, k), _mm512_maskz_loadu_ps(k, keep + i), vc, vscale,
                                      vlse, va, vb),
                        k);
        }
        if (has_target) {  // the target: its lane value plus t, rounded once into the dtype
            if (kStream) _mm_sfence();  // the streamed value must land before this store overwrites it
            store16<DT>(grad_row, i0, gt, (__mmask16)(1u << (target - i0)));
        }
    }
}

// The gradient rows of a call larger than this go out with non-temporal stores: nothing reads them back soon enough
// for the cache to help, and streaming skips reading each destination line before writing it.
constexpr int64_t kStreamBytes = 8 << 20;

template <int DT>
static inline void write_grad_row(const void* row, void* grad_row, int64_t vocab, float scale,
                                  const eapo_softmax_acc& acc, int64_t target, const eapo_grad_factors& f,
                                  const float* keep, const float* keep_ref, bool stream) {
    const bool aligned = reinterpret_cast<uintptr_t>(grad_row) % (DT == EAPO_F32 ? 64 : 32) == 0;
    const bool unit = scale == 1.0f;
    if (stream && aligned) {
        if (unit) write_grad_row_kept<DT, true, true>(row, grad_row, vocab, scale, acc, target, f, keep, keep_ref);
        else write_grad_row_kept<DT, false, true>(row, grad_row, vocab, scale, acc, target, f, keep, keep_ref);
    } else {
        if (unit) write_grad_row_kept<DT, true, false>(row, grad_row, vocab, scale, acc, target, f, keep, keep_ref);
        else write_grad_row_kept<DT, false, false>(row, grad_row, vocab, scale, acc, target, f, keep, keep_ref);
    }
}

}  // namespace v512
}  // namespace eapo4j

#endif  // EAPO4J_SIMD_AVX512_H
