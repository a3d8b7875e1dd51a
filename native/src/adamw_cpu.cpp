// Fused AdamW step, CPU (eapo_adamw_args in eapo4j.h): one pass over the parameter, its gradient and its two moments,
// in place, instead of the ~8 LibTorch elementwise passes of the op-by-op update. The CUDA twin is cuda/adamw.cu; both
// take the scalars and the order of operations from native/include/eapo4j_adamw.h.
// Compiled once per SIMD level with EAPO_SIMD_NS set (see native/CMakeLists.txt), always with -ffp-contract=off:
//  - generic: the scalar reference loop, eapo_adamw_moments / eapo_adamw_param element by element;
//  - avx2 (8 lanes) and avx512 (16 lanes): the same operations lane-wise on GCC vector types. Every operation is one
//    correctly rounded IEEE float32 operation (mul, add, sub, div, sqrt), none is fused, and bf16 / fp16 rounding is
//    round to nearest even in every path, so all three levels give the same bits (NaN payloads aside: F16C and the
//    scalar fp16 conversion may pick different quiet NaNs). The tail of a range runs the vector code on a padded
//    copy, so an element's result never depends on where a thread's chunk starts or ends.
#include <cstring>

#include "cpu_kernels.h"
#include "eapo4j_adamw.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

namespace {

inline size_t esize(int dtype) { return dtype == EAPO_F32 ? 4 : 2; }

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#if defined(__AVX512F__)
constexpr int W = 16;
#else
constexpr int W = 8;
#endif
typedef float vf __attribute__((vector_size(W * 4)));
typedef uint32_t vu __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
typedef uint16_t vh __attribute__((vector_size(W * 2)));

inline vf vsplat(float x) {
    vf v;
    for (int l = 0; l < W; ++l) v[l] = x;
    return v;
}

inline vf vsqrt(vf x) {
#if defined(__AVX512F__)
    return (vf)_mm512_sqrt_ps((__m512)x);
#else
    return (vf)_mm256_sqrt_ps((__m256)x);
#endif
}

// W elements of dtype DT at p[i..i+W) as float32 (exact: every bf16 / fp16 value is a float).
template <int DT>
inline vf vload(const void* p, int64_t i) {
    if constexpr (DT == EAPO_F32) {
        vf v;
        std::memcpy(&v, static_cast<const float*>(p) + i, sizeof v);
        return v;
    } else if constexpr (DT == EAPO_BF16) {
        vh h;
        std::memcpy(&h, static_cast<const uint16_t*>(p) + i, sizeof h);
        return (vf)(__builtin_convertvector(h, vu) << 16);
    } else {
        const uint16_t* s = static_cast<const uint16_t*>(p) + i;
#if defined(__AVX512F__)
        return (vf)_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
#else
        return (vf)_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
#endif
    }
}

// Stores W floats as dtype DT, round to nearest even, and returns the stored values as float32.
template <int DT>
inline vf vstore(void* p, int64_t i, vf x) {
    if constexpr (DT == EAPO_F32) {
        std::memcpy(static_cast<float*>(p) + i, &x, sizeof x);
        return x;
    } else if constexpr (DT == EAPO_BF16) {
        // eapo_f32_to_bf16 lane-wise, with integer operations (vcvtneps2bf16 would flush denormals to zero)
        const vu u = (vu)x;
        const vu rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
        const vu quiet_nan = (u >> 16) | 0x40u;
        const vu bits = (vu)((u & 0x7fffffffu) > 0x7f800000u ? (vi)quiet_nan : (vi)rounded);
        const vh h = __builtin_convertvector(bits, vh);
        std::memcpy(static_cast<uint16_t*>(p) + i, &h, sizeof h);
        return (vf)(bits << 16);
    } else {
        uint16_t* d = static_cast<uint16_t*>(p) + i;
#if defined(__AVX512F__)
        const __m256i h = _mm512_cvtps_ph((__m512)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), h);
        return (vf)_mm512_cvtph_ps(h);
#else
        const __m128i h = _mm256_cvtps_ph((__m256)x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d), h);
        return (vf)_mm256_cvtph_ps(h);
#endif
    }
}

// Elements [i, i + W): eapo_adamw_moments then eapo_adamw_param, lane-wise, operation for operation.
template <int PD, int GD, int SD>
inline void block(void* p, const void* g, void* m, void* v, int64_t i, const eapo_adamw_consts& c) {
    const vf gs = vload<GD>(g, i) * vsplat(c.grad_scale);
    const vf m_new = vsplat(c.beta1) * vload<SD>(m, i) + vsplat(c.one_minus_beta1) * gs;
    const vf v_new = vsplat(c.beta2) * vload<SD>(v, i) + vsplat(c.one_minus_beta2) * (gs * gs);
    const vf m_st = vstore<SD>(m, i, m_new);
    const vf v_st = vstore<SD>(v, i, v_new);
    const vf decayed = vload<PD>(p, i) * vsplat(c.decay);
    const vf denom = vsqrt(v_st * vsplat(c.inv_bc2)) + vsplat(c.eps);
    vstore<PD>(p, i, decayed - (vsplat(c.step_size) * m_st) / denom);
}

template <int PD, int GD, int SD>
void range(const eapo_adamw_args& a, const eapo_adamw_consts& c, int64_t begin, int64_t end) {
    int64_t i = begin;
    for (; i + W <= end; i += W) block<PD, GD, SD>(a.param, a.grad, a.exp_avg, a.exp_avg_sq, i, c);
    if (i == end) return;
    // The tail: the same vector code on a zero-padded copy (zeros stay finite: sqrt(0) + eps > 0).
    const int n = (int)(end - i);
    alignas(64) unsigned char bp[W * 4] = {}, bg[W * 4] = {}, bm[W * 4] = {}, bv[W * 4] = {};
    const size_t sp = esize(PD), sg = esize(GD), ss = esize(SD);
    std::memcpy(bp, static_cast<const char*>(a.param) + i * sp, n * sp);
    std::memcpy(bg, static_cast<const char*>(a.grad) + i * sg, n * sg);
    std::memcpy(bm, static_cast<const char*>(a.exp_avg) + i * ss, n * ss);
    std::memcpy(bv, static_cast<const char*>(a.exp_avg_sq) + i * ss, n * ss);
    block<PD, GD, SD>(bp, bg, bm, bv, 0, c);
    std::memcpy(static_cast<char*>(a.param) + i * sp, bp, n * sp);
    std::memcpy(static_cast<char*>(a.exp_avg) + i * ss, bm, n * ss);
    std::memcpy(static_cast<char*>(a.exp_avg_sq) + i * ss, bv, n * ss);
}

#else  // the generic build: the scalar reference loop

template <int DT>
inline float sload(const void* p, int64_t i) {
    return load_scalar(p, DT, i);
}

// Stores x as dtype DT (round to nearest even) and returns the stored value as float32.
template <int DT>
inline float sstore(void* p, int64_t i, float x) {
    if constexpr (DT == EAPO_F32) {
        static_cast<float*>(p)[i] = x;
        return x;
    } else if constexpr (DT == EAPO_BF16) {
        const uint16_t h = eapo_f32_to_bf16(x);
        static_cast<uint16_t*>(p)[i] = h;
        return eapo_bf16_to_f32(h);
    } else {
        const uint16_t h = f32_to_half(x);
        static_cast<uint16_t*>(p)[i] = h;
        return half_to_f32(h);
    }
}

template <int PD, int GD, int SD>
void range(const eapo_adamw_args& a, const eapo_adamw_consts& c, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
        float m_new, v_new;
        eapo_adamw_moments(sload<GD>(a.grad, i), sload<SD>(a.exp_avg, i), sload<SD>(a.exp_avg_sq, i), c, &m_new,
                           &v_new);
        const float m_st = sstore<SD>(a.exp_avg, i, m_new);
        const float v_st = sstore<SD>(a.exp_avg_sq, i, v_new);
        sstore<PD>(a.param, i, eapo_adamw_param(sload<PD>(a.param, i), m_st, v_st, c));
    }
}

#endif

// The state dtype is the param's or F32, and so is the gradient's: 2 x 2 combinations for 16-bit params, 1 for F32.
template <int PD>
void dispatch_param(const eapo_adamw_args& a, const eapo_adamw_consts& c, int64_t b, int64_t e) {
    const bool g32 = a.grad_dtype == EAPO_F32, s32 = a.state_dtype == EAPO_F32;
    if (g32 && s32) range<PD, EAPO_F32, EAPO_F32>(a, c, b, e);
    else if (g32) range<PD, EAPO_F32, PD>(a, c, b, e);
    else if (s32) range<PD, PD, EAPO_F32>(a, c, b, e);
    else range<PD, PD, PD>(a, c, b, e);
}

}  // namespace

void adamw_range(const eapo_adamw_args& a, const eapo_adamw_consts& c, int64_t begin, int64_t end) {
    switch (a.param_dtype) {
        case EAPO_F32: range<EAPO_F32, EAPO_F32, EAPO_F32>(a, c, begin, end); break;
        case EAPO_BF16: dispatch_param<EAPO_BF16>(a, c, begin, end); break;
        default: dispatch_param<EAPO_F16>(a, c, begin, end); break;
    }
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
