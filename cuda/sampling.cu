// Token sampling, CUDA (native/include/eapo4j.h "Sampling"): one id per row from softmax(logits / temperature)
// after top-k, top-p and min-p, drawn by inverse CDF in id order with the caller's uniform number. The CPU twin is
// native/src/sampling_cpu.cpp (its float64 full-sort reference is what cuda/dev/sampling_gpu_test.cu checks this
// kernel against).
//
// One CTA per row (grid-stride over rows). Thread t owns the contiguous slice [t * L, (t + 1) * L) of the row's
// valid ids, so the id order of the inverse CDF is (thread, position) order and a block scan of per-thread sums
// finds the thread that holds the pick. No sort and no candidate buffer, hence no size limit:
//   1. max, NaN / +inf check, count of finite logits (and the first arg-max for greedy rows);
//   2. top-k: a radix select (4-bit digits, 8 passes, per-thread digit counts summed in shared memory in a fixed
//      order) of the k-th largest key, the order-preserving uint32 of the logit (-0 read as +0);
//   3. top-p: the float64 sum Z of e = expf((x - max) / T) over the top-k set, then the same radix select weighted
//      by e finds the key K at which the mass (descending) reaches top_p * Z; ids tied at K are taken in id order
//      as many as the mass still needs (a block scan of per-thread tie counts gives each tie its rank);
//   4. min-p: e >= min_p;
//   5. per-thread float64 sums of the survivors' e, a block scan, and the thread whose range holds u * total walks
//      its slice again (the same float operations in the same order) to find the id.
// Every reduction is in a fixed order: the result does not depend on scheduling. No atomics. A bad row writes
// ids[r] = -1 (NaN / +inf) or -2 (no finite logit); api_cuda.cu reads the ids back and names the first such row.
// e is float32 (expf, not the ftz approximation) with float64 sums; as on the CPU, a pick can differ from an exact
// float64 computation only when u or a cut lies within ~1e-6 of a boundary.
#include "cuda_common.cuh"
#include "kernels.h"

namespace eapo4j {
namespace cuda {

namespace {

constexpr int kSampleThreads = 256;
constexpr int kDigits = 16;  // 4-bit radix digits

struct SampleShared {
    double h[kDigits][kSampleThreads];  // per-thread digit weights, then a scratch for block scans
    double total[kDigits];
    double red[kSampleThreads];
    float fred[kSampleThreads];
    int ired[kSampleThreads];
};

template <int DT>
__device__ __forceinline__ float load_x(const typename Dtype<DT>::T* row, int64_t i) {
    return Dtype<DT>::to_f32(row[i]);
}

// Order-preserving key of a float (larger x, larger key); -0 maps to the key of +0.
__device__ __forceinline__ uint32_t key_of(float x) {
    uint32_t b = __float_as_uint(x == 0.0f ? 0.0f : x);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

// Fixed-order block sum of one double per thread (every thread gets it).
__device__ __forceinline__ double block_sum(double v, SampleShared& sh) {
    sh.red[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0.0;
        for (int t = 0; t < (int)blockDim.x; ++t) s += sh.red[t];
        sh.total[0] = s;
    }
    __syncthreads();
    double s = sh.total[0];
    __syncthreads();
    return s;
}

// Exclusive prefix (fixed order) of one double per thread; *all receives the total.
__device__ __forceinline__ double block_exclusive_scan(double v, SampleShared& sh, double* all) {
    sh.red[threadIdx.x] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0.0;
        for (int t = 0; t < (int)blockDim.x; ++t) {
            double x = sh.red[t];
            sh.red[t] = s;
            s += x;
        }
        sh.total[0] = s;
    }
    __syncthreads();
    double pre = sh.red[threadIdx.x];
    *all = sh.total[0];
    __syncthreads();
    return pre;
}

// The largest key K among the elements passing `in` with weight(key >= K) >= need (4-bit radix select, MSB first).
// *above receives weight(key > K). W(x, key) is the weight of one element (1 for counts, e for mass).
template <int DT, class In, class W>
__device__ uint32_t radix_select(const typename Dtype<DT>::T* row, int64_t lo, int64_t hi, double need, In in, W w,
                                 SampleShared& sh, double* above_out) {
    uint32_t prefix = 0, mask = 0;
    double above = 0.0;
    for (int shift = 28; shift >= 0; shift -= 4) {
        double h[kDigits];
#pragma unroll
        for (int d = 0; d < kDigits; ++d) h[d] = 0.0;
        for (int64_t i = lo; i < hi; ++i) {
            float x = load_x<DT>(row, i);
            uint32_t k = key_of(x);
            if ((k & mask) == prefix && in(x, k)) {
                int d = (int)((k >> shift) & 15u);
                double wx = w(x);
#pragma unroll
                for (int j = 0; j < kDigits; ++j) h[j] += (j == d) ? wx : 0.0;  // registers, no local memory
            }
        }
#pragma unroll
        for (int d = 0; d < kDigits; ++d) sh.h[d][threadIdx.x] = h[d];
        __syncthreads();
        if (threadIdx.x < kDigits) {
            double s = 0.0;
            for (int t = 0; t < (int)blockDim.x; ++t) s += sh.h[threadIdx.x][t];
            sh.total[threadIdx.x] = s;
        }
        __syncthreads();
        int chosen = -1;
        double acc = above;
        for (int d = kDigits - 1; d >= 0; --d) {
            if (acc + sh.total[d] >= need) {
                chosen = d;
                break;
            }
            acc += sh.total[d];
        }
        if (chosen < 0) {  // rounding left the need unreached: take every digit that holds weight
            acc = above;
            chosen = 0;
            for (int d = kDigits - 1; d >= 0; --d)
                if (sh.total[d] > 0.0) chosen = d;
            for (int d = kDigits - 1; d > chosen; --d) acc += sh.total[d];
        }
        above = acc;
        prefix |= (uint32_t)chosen << shift;
        mask |= 15u << shift;
        __syncthreads();  // sh.total is rewritten by the next pass
    }
    *above_out = above;
    return prefix;
}

template <int DT>
__global__ void __launch_bounds__(kSampleThreads) sample_kernel(SampleParams p) {
    typedef typename Dtype<DT>::T T;
    EAPO_BLOCK_SHARED(SampleShared, sh);
    const int tid = threadIdx.x, nthr = blockDim.x;
    for (int64_t r = blockIdx.x; r < p.n_rows; r += gridDim.x) {
        const T* row = static_cast<const T*>(p.logits) + row_offset(r, p.rows_inner, p.stride_outer, p.stride_inner);
        int64_t n = p.valid_vocab ? p.valid_vocab[r] : p.vocab;
        if (n < 1 || n > p.vocab) n = p.vocab;  // the Java layer checks; never read out of the row
        const int64_t per = (n + nthr - 1) / nthr;
        const int64_t lo = tid * per < n ? tid * per : n, hi = lo + per < n ? lo + per : n;

        // 1. max, first arg-max, NaN / +inf, finite count
        float m = -INFINITY;
        int64_t arg = -1, finite = 0;
        int bad = 0;
        for (int64_t i = lo; i < hi; ++i) {
            float x = load_x<DT>(row, i);
            bad |= (x != x) || x == INFINITY;
            finite += x > -INFINITY;
            if (x > m) {
                m = x;
                arg = i;
            }
        }
        sh.fred[tid] = m;
        sh.ired[tid] = bad;
        sh.red[tid] = (double)finite;
        __syncthreads();
        if (tid == 0) {
            float bm = -INFINITY;
            int bb = 0, bt = -1;
            double nf = 0.0;
            for (int t = 0; t < nthr; ++t) {
                bb |= sh.ired[t];
                nf += sh.red[t];
                if (sh.fred[t] > bm) {  // strictly greater: the first thread, hence the first id, of the max
                    bm = sh.fred[t];
                    bt = t;
                }
            }
            sh.fred[0] = bm;
            sh.ired[0] = bb ? -1 : (bm == -INFINITY ? -2 : bt);
            sh.total[0] = nf;
        }
        __syncthreads();
        const float xmax = sh.fred[0];
        const int status = sh.ired[0];
        const double n_finite = sh.total[0];
        __syncthreads();
        if (status < 0) {
            if (tid == 0) {
                p.ids[r] = status;
                if (p.logp) p.logp[r] = NAN;
            }
            continue;
        }
        if (p.greedy) {
            if (tid == status) {
                p.ids[r] = arg;
                if (p.logp) p.logp[r] = 0.0f;
            }
            continue;
        }
        const float inv_tau = p.inv_tau;
        auto e_of = [&](float x) { return expf((x - xmax) * inv_tau); };

        // 2. top-k
        uint32_t kkey = 0;  // keys >= kkey stay (0: every finite id)
        if (p.top_k > 0 && (double)p.top_k < n_finite) {
            double above;
            kkey = radix_select<DT>(
                row, lo, hi, (double)p.top_k, [](float x, uint32_t) { return x > -INFINITY; },
                [](float) { return 1.0; }, sh, &above);
        }
        auto in_k = [kkey](float x, uint32_t k) { return x > -INFINITY && k >= kkey; };

        // 3. top-p: cut key, mass above it, and how many ids tied at it (in id order) stay
        uint32_t pkey = 0;
        double ties_kept = 1e300;
        if (p.top_p < 1.0) {
            double z = 0.0;
            for (int64_t i = lo; i < hi; ++i) {
                float x = load_x<DT>(row, i);
                if (in_k(x, key_of(x))) z += (double)e_of(x);
            }
            z = block_sum(z, sh);
            double above;
            const double need = p.top_p * z;
            pkey = radix_select<DT>(row, lo, hi, need, in_k, [&](float x) { return (double)e_of(x); }, sh, &above);
            // every id tied at pkey has the same e: the first c of them (by id) reach the need
            float xcut = 0.0f;
            uint32_t b = (pkey & 0x80000000u) ? (pkey & 0x7fffffffu) : ~pkey;
            xcut = __uint_as_float(b);
            const double ecut = (double)e_of(xcut);
            double c = ecut > 0.0 ? ceil((need - above) / ecut) : 1.0;
            ties_kept = c < 1.0 ? 1.0 : c;
        }
        // rank of each thread's first tie at pkey (ties are only limited when top-p is on)
        double tie_before = 0.0;
        if (p.top_p < 1.0) {
            double my_ties = 0.0;
            for (int64_t i = lo; i < hi; ++i) {
                float x = load_x<DT>(row, i);
                my_ties += (in_k(x, key_of(x)) && key_of(x) == pkey) ? 1.0 : 0.0;
            }
            double all;
            tie_before = block_exclusive_scan(my_ties, sh, &all);
        }
        const float min_p = (float)p.min_p;
        // survivor test in id order within this thread's slice; `ties` counts the ties seen so far
        auto survives = [&](float x, double& ties) {
            uint32_t k = key_of(x);
            if (!in_k(x, k)) return false;
            if (p.top_p < 1.0) {
                if (k < pkey) return false;
                if (k == pkey) {
                    bool keep = ties < ties_kept;
                    ties += 1.0;
                    if (!keep) return false;
                }
            }
            return !(p.min_p > 0.0) || e_of(x) >= min_p;
        };

        // 5. inverse CDF in id order
        double mine = 0.0;
        {
            double ties = tie_before;
            for (int64_t i = lo; i < hi; ++i) {
                float x = load_x<DT>(row, i);
                if (survives(x, ties)) mine += (double)e_of(x);
            }
        }
        double total;
        const double before = block_exclusive_scan(mine, sh, &total);
        sh.ired[tid] = mine > 0.0 ? tid : -1;
        __syncthreads();
        if (tid == 0) {
            int last = -1;
            for (int t = 0; t < nthr; ++t) last = sh.ired[t] > last ? sh.ired[t] : last;
            sh.ired[0] = last;
        }
        __syncthreads();
        const int last_thread = sh.ired[0];
        __syncthreads();
        if (!(total > 0.0)) {  // cannot happen (the largest logit always survives); never leave ids[r] unwritten
            if (tid == status) {
                p.ids[r] = arg;
                if (p.logp) p.logp[r] = 0.0f;
            }
            continue;
        }
        const double target = p.uniforms[r] * total;
        if (mine > 0.0 && (target < before + mine || tid == last_thread) && target >= before) {
            // the same sums in the same order as `mine`, so a target below before + mine is always reached
            const double t_local = target - before;
            double ties = tie_before, cum = 0.0, e_pick = 0.0;
            int64_t pick = -1;
            for (int64_t i = lo; i < hi; ++i) {
                float x = load_x<DT>(row, i);
                if (!survives(x, ties)) continue;
                double e = (double)e_of(x);
                cum += e;
                pick = i;
                e_pick = e;
                if (t_local < cum) break;
            }
            p.ids[r] = pick;
            if (p.logp) p.logp[r] = (float)log(e_pick / total);
        }
    }
}

template <int DT>
cudaError_t launch(const SampleParams& p, cudaStream_t stream) {
    int64_t grid = p.n_rows < 2147483647LL ? p.n_rows : 2147483647LL;
    return launch_kernel(sample_kernel<DT>, (unsigned)grid, (unsigned)kSampleThreads, 0, stream, p);
}

}  // namespace

cudaError_t launch_sample(const SampleParams& p, int dtype, cudaStream_t stream) {
    if (p.n_rows == 0) return cudaSuccess;
    switch (dtype) {
        case EAPO_F32: return launch<EAPO_F32>(p, stream);
        case EAPO_BF16: return launch<EAPO_BF16>(p, stream);
        default: return launch<EAPO_F16>(p, stream);
    }
}

}  // namespace cuda
}  // namespace eapo4j
