// bf16 linear for a few rows, CPU: y = x W^T (+ bias), x [M, K], W [N, K], y [M, N], all bf16, float32 sums, each
// output rounded once. The decode step of a bf16 model is this at M = a few rows: it must read W once at memory
// speed (LibTorch's bf16 GEMM re-packs W on every call at small M). No CUDA twin: on a GPU, cuBLAS already reads W at
// memory speed at small M (docs/KERNELS.md). Compiled once per SIMD level (native/CMakeLists.txt).
#include "cpu_kernels.h"

#if defined(__AVX512BF16__)
#include <immintrin.h>
#endif

namespace eapo4j {
namespace EAPO_SIMD_NS {

namespace {

inline float bf16_at(const void* base, int64_t i) {
    return eapo_bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
}

inline void store(const eapo_linear_args& a, int64_t m, int64_t n, float sum) {
    if (a.bias != nullptr) sum += bf16_at(a.bias, n);
    static_cast<uint16_t*>(a.y)[m * a.y_row_stride + n] = eapo_f32_to_bf16(sum);
}

// The plain loop: the reference order (k ascending, one float32 sum) for the levels without bf16 dot products.
void linear_scalar(const eapo_linear_args& a, int64_t n_begin, int64_t n_end) {
    for (int64_t n = n_begin; n < n_end; ++n) {
        const uint16_t* w = static_cast<const uint16_t*>(a.weight) + n * a.w_row_stride;
        for (int64_t m = 0; m < a.m; ++m) {
            const uint16_t* x = static_cast<const uint16_t*>(a.x) + m * a.x_row_stride;
            float sum = 0.0f;
            for (int64_t k = 0; k < a.k; ++k) sum += eapo_bf16_to_f32(x[k]) * eapo_bf16_to_f32(w[k]);
            store(a, m, n, sum);
        }
    }
}

#if defined(__AVX512BF16__)
// Software prefetch of W about this many bytes ahead (rows ahead, at the same column), into L2: the hardware
// prefetcher alone left DRAM half idle (8-9 GB/s of W on 2 threads), prefetching into L1 gave 9-11.5 GB/s and into L2
// 12-17 (same runs, interleaved; L1's few fill buffers cap the misses in flight). 16-64 KB ahead measured the same.
// Prefetching never faults: rows past W's end are harmless.
constexpr int64_t kPrefetchBytes = 32768;

// MT rows of x against NT rows of W: MT * NT accumulators of 16 lanes, each vdpbf16ps adds 32 products. W is read
// once per row tile of x (MT <= 8 covers a decode batch of 8 in one read); x stays in L1.
template <int MT, int NT>
void tile(const eapo_linear_args& a, int64_t m0, int64_t n0, int64_t prefetch_rows) {
    __m512 acc[MT][NT];
    for (int i = 0; i < MT; ++i)
        for (int j = 0; j < NT; ++j) acc[i][j] = _mm512_setzero_ps();
    const uint16_t* x = static_cast<const uint16_t*>(a.x) + m0 * a.x_row_stride;
    const uint16_t* w = static_cast<const uint16_t*>(a.weight) + n0 * a.w_row_stride;
    int64_t k = 0;
    for (; k + 32 <= a.k; k += 32) {
        __m512bh wv[NT];
        for (int j = 0; j < NT; ++j) {
            _mm_prefetch(reinterpret_cast<const char*>(w + (j + prefetch_rows) * a.w_row_stride + k), _MM_HINT_T1);
            wv[j] = (__m512bh)_mm512_loadu_si512(w + j * a.w_row_stride + k);
        }
        for (int i = 0; i < MT; ++i) {
            __m512bh xv = (__m512bh)_mm512_loadu_si512(x + i * a.x_row_stride + k);
            for (int j = 0; j < NT; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
        }
    }
    if (k < a.k) {   // zero-filled tail: the missing products add 0
        __mmask32 mask = (__mmask32)((1ull << (a.k - k)) - 1);
        __m512bh wv[NT];
        for (int j = 0; j < NT; ++j) wv[j] = (__m512bh)_mm512_maskz_loadu_epi16(mask, w + j * a.w_row_stride + k);
        for (int i = 0; i < MT; ++i) {
            __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(mask, x + i * a.x_row_stride + k);
            for (int j = 0; j < NT; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
        }
    }
    for (int i = 0; i < MT; ++i)
        for (int j = 0; j < NT; ++j) store(a, m0 + i, n0 + j, _mm512_reduce_add_ps(acc[i][j]));
}

template <int NT>
void row_tiles(const eapo_linear_args& a, int64_t n0, int64_t pf) {
    int64_t m0 = 0;
    for (; m0 + 8 <= a.m; m0 += 8) tile<8, NT>(a, m0, n0, pf);
    switch (a.m - m0) {
        case 7: tile<7, NT>(a, m0, n0, pf); break;
        case 6: tile<6, NT>(a, m0, n0, pf); break;
        case 5: tile<5, NT>(a, m0, n0, pf); break;
        case 4: tile<4, NT>(a, m0, n0, pf); break;
        case 3: tile<3, NT>(a, m0, n0, pf); break;
        case 2: tile<2, NT>(a, m0, n0, pf); break;
        case 1: tile<1, NT>(a, m0, n0, pf); break;
        default: break;
    }
}
#endif

}  // namespace

void linear_bf16_cols(const eapo_linear_args& a, int64_t n_begin, int64_t n_end) {
#if defined(__AVX512BF16__)
    int64_t pf = kPrefetchBytes / (2 * a.w_row_stride);
    pf = pf < 2 ? 2 : pf > 64 ? 64 : pf;
    int64_t n = n_begin;
    for (; n + 2 <= n_end; n += 2) row_tiles<2>(a, n, pf);
    if (n < n_end) row_tiles<1>(a, n, pf);
#else
    linear_scalar(a, n_begin, n_end);
#endif
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
