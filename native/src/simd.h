// Portable 8-lane float vectors (GCC/Clang vector extensions) for the CPU row kernels.
//
// Each kernel source is compiled three times (see native/CMakeLists.txt): with AVX-512 (where the token statistics
// and the policy loss use the 16-lane kernels of simd_avx512.h instead, and vec8 stays for sampling), with
// -mavx2 -mfma -mf16c, where a vec8 is one ymm register, and for baseline x86-64, where the compiler splits it into
// two SSE registers. EAPO_SIMD_NS names the namespace of each build; api_cpu.cpp picks one at run time.
//
// No -ffast-math here: masked logits are -inf and must give exp() = 0, not garbage.
#ifndef EAPO4J_SIMD_H
#define EAPO4J_SIMD_H

#include <cstdint>
#include <cstring>
#include <cmath>

#if defined(__F16C__)
#include <immintrin.h>
#endif

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace eapo4j {

typedef float vec8 __attribute__((vector_size(32)));
typedef int32_t ivec8 __attribute__((vector_size(32)));

constexpr int kLanes = 8;

static inline vec8 splat(float x) { return vec8{x, x, x, x, x, x, x, x}; }

static inline vec8 load8(const float* p) {
    vec8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

static inline void store8(float* p, vec8 v) { std::memcpy(p, &v, sizeof v); }

static inline float hmax(vec8 v) {
    float m = v[0];
    for (int i = 1; i < kLanes; ++i) m = v[i] > m ? v[i] : m;
    return m;
}

static inline float hsum(vec8 v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// exp(x) for x <= ~88, cephes-style polynomial (relative error ~1e-7).
// Inputs below -87.33 (including -inf) give exactly 0; NaN propagates through the arithmetic.
// *clamped receives max(x, -87.33): finite wherever exp(x) > 0 is wanted, so e * clamped is never 0 * -inf.
static inline vec8 vexp(vec8 x, vec8* clamped = nullptr) {
    const vec8 lo = splat(-87.33654f);
    ivec8 underflow = x < lo;
    vec8 xc = underflow ? lo : x;
    if (clamped) *clamped = xc;
    // n = round(x / ln2) with the 1.5 * 2^23 trick: the sum's low mantissa bits hold n.
    const vec8 magic = splat(12582912.0f);
    vec8 fx = xc * splat(1.44269504088896341f) + magic;
    ivec8 n;
    std::memcpy(&n, &fx, sizeof n);
    n -= ivec8{0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000, 0x4B400000};
    fx -= magic;
    vec8 r = xc - fx * splat(0.693359375f) - fx * splat(-2.12194440e-4f);
    vec8 p = splat(1.9875691500e-4f);
    p = p * r + splat(1.3981999507e-3f);
    p = p * r + splat(8.3334519073e-3f);
    p = p * r + splat(4.1665795894e-2f);
    p = p * r + splat(1.6666665459e-1f);
    p = p * r + splat(5.0000001201e-1f);
    p = p * r * r + r + splat(1.0f);
    ivec8 bits = (n + 127) << 23;
    vec8 scale;
    std::memcpy(&scale, &bits, sizeof scale);
    vec8 e = p * scale;
    return underflow ? splat(0.0f) : e;
}

// ---- loading a block of one row as scaled fp32, storing a block of gradient in the logits dtype ----

static inline float half_to_f32(uint16_t h) {
    _Float16 v;
    std::memcpy(&v, &h, sizeof v);
    return (float)v;
}

static inline uint16_t f32_to_half(float f) {
    _Float16 v = (_Float16)f;
    uint16_t h;
    std::memcpy(&h, &v, sizeof h);
    return h;
}

// dst[0..n) = src[0..n) * scale, then -inf padding up to a multiple of kLanes (padding contributes exp() = 0).
static inline void load_block(const void* row, int dtype, int64_t offset, int n, float scale, float* dst) {
    if (dtype == EAPO_F32) {
        const float* s = static_cast<const float*>(row) + offset;
        for (int i = 0; i < n; ++i) dst[i] = s[i] * scale;
    } else if (dtype == EAPO_BF16) {
        const uint16_t* s = static_cast<const uint16_t*>(row) + offset;
        for (int i = 0; i < n; ++i) {
            uint32_t u = (uint32_t)s[i] << 16;
            float f;
            std::memcpy(&f, &u, sizeof f);
            dst[i] = f * scale;
        }
    } else {
        const uint16_t* s = static_cast<const uint16_t*>(row) + offset;
        int i = 0;
#if defined(__F16C__)
        for (; i + 8 <= n; i += 8) {
            __m256 f = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
            _mm256_storeu_ps(dst + i, _mm256_mul_ps(f, _mm256_set1_ps(scale)));
        }
#endif
        for (; i < n; ++i) dst[i] = half_to_f32(s[i]) * scale;
    }
    int padded = (n + kLanes - 1) / kLanes * kLanes;
    for (int i = n; i < padded; ++i) dst[i] = -INFINITY;
}

static inline void store_block(void* row, int dtype, int64_t offset, int n, const float* src) {
    if (dtype == EAPO_F32) {
        std::memcpy(static_cast<float*>(row) + offset, src, sizeof(float) * n);
    } else if (dtype == EAPO_BF16) {
        uint16_t* d = static_cast<uint16_t*>(row) + offset;
        for (int i = 0; i < n; ++i) d[i] = eapo_f32_to_bf16(src[i]);
    } else {
        uint16_t* d = static_cast<uint16_t*>(row) + offset;
        int i = 0;
#if defined(__F16C__)
        for (; i + 8 <= n; i += 8) {
            __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), h);
        }
#endif
        for (; i < n; ++i) d[i] = f32_to_half(src[i]);
    }
}

static inline float load_scalar(const void* row, int dtype, int64_t idx) {
    if (dtype == EAPO_F32) return static_cast<const float*>(row)[idx];
    uint16_t h = static_cast<const uint16_t*>(row)[idx];
    return dtype == EAPO_BF16 ? eapo_bf16_to_f32(h) : half_to_f32(h);
}

static inline size_t dtype_size(int dtype) { return dtype == EAPO_F32 ? 4 : 2; }

// Row r of a logits tensor described by (rows_inner, stride_outer, stride_inner), see eapo4j.h.
struct RowGeometry {
    int64_t rows_inner;
    int64_t stride_outer;
    int64_t stride_inner;
    int64_t offset(int64_t r) const { return (r / rows_inner) * stride_outer + (r % rows_inner) * stride_inner; }
};

// Block of a row kept in L1 between its max sweep and its exp sweep.
constexpr int kBlock = 1024;

// The scaled fp32 values of elements [off, off + n) of a row, padded with -inf to a multiple of kLanes:
// the row itself when it already is that (fp32, temperature 1, a whole number of lanes), else a copy in buf.
static inline const float* row_block(const void* row, int dtype, int64_t off, int n, float scale, float* buf) {
    if (dtype == EAPO_F32 && scale == 1.0f && n % kLanes == 0) return static_cast<const float*>(row) + off;
    load_block(row, dtype, off, n, scale, buf);
    return buf;
}

// Max of a padded block; sets *saw_nan when it holds a NaN (the max itself skips NaN).
static inline float block_max(const float* x, int padded, bool* saw_nan) {
    vec8 vm = splat(-INFINITY);
    ivec8 vnan = ivec8{0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < padded; i += kLanes) {
        vec8 v = load8(x + i);
        vm = v > vm ? v : vm;
        vnan |= (v != v);
    }
    for (int l = 0; l < kLanes; ++l) *saw_nan |= vnan[l] != 0;
    return hmax(vm);
}

// Adds sum exp(x - m) to *s and sum exp(x - m) * (x - m) to *t over a padded block, and returns the block's max.
// Valid while x - m stays below ~88 (the caller redoes a block whose max jumps that far); NaN propagates into *s.
static inline float block_exp_sums(const float* x, int padded, float m, float* s, float* t) {
    vec8 vmref = splat(m), vs = splat(0.0f), vt = splat(0.0f), vm = splat(-INFINITY);
    for (int i = 0; i < padded; i += kLanes) {
        vec8 v = load8(x + i);
        vm = v > vm ? v : vm;
        vec8 dc, e = vexp(v - vmref, &dc);
        vs += e;
        vt += e * dc;  // dc is finite: masked entries add 0 * (-87.3), never 0 * -inf
    }
    *s += hsum(vs);
    *t += hsum(vt);
    return hmax(vm);
}

// Softmax statistics of one row in one pass over memory. Each block is loaded (converted and scaled) once and
// exponentiated against the running max; when the block's own max is higher, the accumulator is rebased after the
// block (one exp), and only a jump of more than 64 (exp could overflow) re-reads the block from L1.
// The first block with a live (> -inf) entry is scanned for its max first, to have a reference.
static inline eapo_softmax_acc row_softmax_stats(const void* row, int dtype, int64_t vocab, float inv_tau,
                                                 float* buf /* kBlock floats */) {
    eapo_softmax_acc acc = eapo_acc_empty();
    bool saw_nan = false;
    for (int64_t off = 0; off < vocab; off += kBlock) {
        int n = (int)(vocab - off < kBlock ? vocab - off : kBlock);
        const float* x = row_block(row, dtype, off, n, inv_tau, buf);
        int padded = (n + kLanes - 1) / kLanes * kLanes;
        if (acc.m == -INFINITY) {  // nothing live yet: this block's max becomes the reference
            float bm = block_max(x, padded, &saw_nan);
            if (bm == -INFINITY) continue;  // an all-masked block adds nothing
            acc.m = bm;
        }
        float s = 0.0f, t = 0.0f;
        float bm = block_exp_sums(x, padded, acc.m, &s, &t);
        if (bm > acc.m + 64.0f) {  // exp(x - m) may have overflowed: redo the block against its own max
            acc = eapo_acc_rebase(acc, bm);
            s = t = 0.0f;
            block_exp_sums(x, padded, acc.m, &s, &t);
        }
        acc.s += s;
        acc.t += t;
        if (bm > acc.m) acc = eapo_acc_rebase(acc, bm);
    }
    if (saw_nan) {
        acc.m = NAN;
        acc.s = NAN;
        acc.t = NAN;
    }
    return acc;
}

}  // namespace eapo4j

// The avx512 build: 16-lane row kernels for the token statistics and the policy loss.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512BF16__)
#define EAPO_AVX512_ROWS 1
#include "simd_avx512.h"
#else
#define EAPO_AVX512_ROWS 0
#endif

#endif  // EAPO4J_SIMD_H
