// Fused weighted clipped-surrogate policy loss, forward + backward in one launch, CUDA (SPEC.md "Policy loss").
// Per row r: the softmax statistics of z / tau (lse, entropy H), logp of the target, the token terms
// (eapo_token_loss_variant: clip, dual clip, k3 KL, entropy bonus, the loss variants of docs/LOSS_VARIANTS.md), the outputs (token loss, logp, entropy, k3 KL, flags,
// c * l for the batch loss) and the whole gradient row
//   dL/dz_v = (c / tau) * (g * (1[v = y] - p_v) + eta * p_v * (log p_v + H))        (eapo_grad_elem, computed in
//           = p_v * (a + b * log p_v) + t * 1[v = y]                                  its factored form)
// written in the logits dtype, optionally in place over the logits. Rows with c == 0 get a zero gradient row and
// zero outputs without reading the logits. The CPU twin is native/src/policy_loss_cpu.cpp; all formulas come from
// native/include/eapo4j_rowmath.h.
//
// Why it is fast: the gradient needs lse and H, i.e. the whole row, before its first element can be written. A naive
// kernel reads the row twice (stats, then gradient) plus writes it: 3 passes over HBM. Here the row stays on chip
// between the two phases, so HBM sees one read and one write, the minimum:
//  - kPathCluster (sm_90+): a thread-block cluster of K CTAs (K in 2, 4, 8, on K SMs) owns one row; each CTA loads
//    its 1/K slice with 16-byte streaming loads straight into registers and its shared memory, accumulates its
//    partial (max, sum e, sum e*d), publishes it in shared memory, and after one cluster barrier every CTA reads the
//    K partials over DSMEM and merges them in rank order (identical, deterministic result in every CTA). Each CTA
//    then writes the gradient of its own slice from shared memory. V = 151,936 bf16 (297 KB) becomes 8 slices of
//    37 KB; 262,144 fp32 (1 MB) becomes 8 slices of 128 KB. The "done reading partials" barrier is split
//    (arrive now, wait at the end of the row), so no CTA waits on another while writing its gradient.
//  - kPathSmem: the row fits one CTA's shared memory (e.g. V = 32,000 bf16 = 64 KB): K = 1, no cluster, also sm_80.
//  - kPathReread: rows too large for the above (or sm_80 with large V) take a second pass over the row, loaded with
//    the L2-keeping hint in the first pass so the re-read mostly hits L2 (H100: 50 MB).
// In all paths a thread re-reads only the shared-memory slots it wrote itself, so no block barrier separates the
// load phase from the gradient phase; the gradient is stored with 16-byte streaming stores (__stcs) when the
// gradient row has the logits row's alignment (always for in-place or same-layout tensors), scalar stores otherwise.
// Built by cuda/cuda.cmake; checked by cuda/dev/gpu_test.cu (every path forced in turn), timed by cuda/dev/gpu_bench.cu.
#include "cuda_common.cuh"
#include "kernels.h"

#ifdef __CUDACC__
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
#endif

namespace eapo4j {
namespace cuda {

namespace {

// Tuning knobs, fixed at compile time (defaults measured on an H100, docs/GPU.md); a build can override them, e.g.
// EAPO4J_CMAKE_ARGS="-DCMAKE_CUDA_FLAGS=-DEAPO4J_LOSS_UNROLL=2" native/build.sh DIR.
#ifndef EAPO4J_LOSS_THREADS
#define EAPO4J_LOSS_THREADS 256  // largest CTA
#endif
#ifndef EAPO4J_LOSS_UNROLL
#define EAPO4J_LOSS_UNROLL 8  // 16-byte loads in flight per thread in the load phase
#endif
#ifndef EAPO4J_LOSS_MIN_BLOCKS
#define EAPO4J_LOSS_MIN_BLOCKS 3  // CTAs per SM the register budget is sized for (80 registers): 64 KB rows
                                  // and slices allow 3 per SM anyway
#endif
#ifndef EAPO4J_LOSS_CLUSTER_MIN_BLOCKS
#define EAPO4J_LOSS_CLUSTER_MIN_BLOCKS EAPO4J_LOSS_MIN_BLOCKS  // the same for the cluster path
#endif
#ifndef EAPO4J_LOSS_WIDE_CLUSTER_MIN_BLOCKS
#define EAPO4J_LOSS_WIDE_CLUSTER_MIN_BLOCKS 5  // clusters of 8+ CTAs: small slices, 5 CTAs per SM (H100: 12% faster)
#endif
#ifndef EAPO4J_LOSS_WIDE_UNROLL
#define EAPO4J_LOSS_WIDE_UNROLL 3  // loads in flight per thread there (fits 48 registers)
#endif
#ifndef EAPO4J_LOSS_MAX_CLUSTER
#define EAPO4J_LOSS_MAX_CLUSTER 8  // 16 (non-portable size) ran slower on an H100: 6.0-7.6 ms vs 4.5
#endif
#ifndef EAPO4J_LOSS_SMEM_BYTES
#define EAPO4J_LOSS_SMEM_BYTES (64 * 1024)  // largest row kept whole in one CTA (3 CTAs per SM)
#endif
#ifndef EAPO4J_LOSS_CLUSTER_SLICE_BYTES
#define EAPO4J_LOSS_CLUSTER_SLICE_BYTES (64 * 1024)  // the cluster size K is the smallest with slices this small
#endif
constexpr int kThreads = EAPO4J_LOSS_THREADS;
constexpr int kUnroll = EAPO4J_LOSS_UNROLL;
constexpr int kSmemRowBytes = EAPO4J_LOSS_SMEM_BYTES;
constexpr int kClusterSliceBytes = EAPO4J_LOSS_CLUSTER_SLICE_BYTES;
constexpr int kStaticSmemReserve = 2048;     // static shared memory of the kernel (scratch, partials), rounded up

// Per-row values every thread needs in the gradient phase.
struct RowConsts {
    float m, log_s;          // log p_v = (z_v / tau - m) - log_s
    eapo_grad_factors f;     // dL/dz_v = p_v (a + b log p_v) + t 1[v = y]
};

// Static shared state of the policy-loss kernel.
struct PolicyShared {
    BlockAccScratch scratch;
    eapo_softmax_acc partial;
    RowConsts consts;
};

// ---- cluster primitives; only ever executed in kernels launched with a cluster (sm_90+, or host emulation) ----
__device__ __forceinline__ unsigned cluster_rank() {
#if __CUDA_ARCH__ >= 900
    return cg::this_cluster().block_rank();
#elif defined(EAPO4J_HOST_EMULATION)
    return emu::cluster_rank();
#else
    return 0;
#endif
}
__device__ __forceinline__ int cluster_nblocks() {
#if __CUDA_ARCH__ >= 900
    return (int)cg::this_cluster().num_blocks();
#elif defined(EAPO4J_HOST_EMULATION)
    return emu::cluster_size();
#else
    return 1;
#endif
}
__device__ __forceinline__ void cluster_arrive() {
#if __CUDA_ARCH__ >= 900
    __cluster_barrier_arrive();  // release: my partial (and my reads of the others') are ordered before it
#elif defined(EAPO4J_HOST_EMULATION)
    emu::cluster_arrive();
#endif
}
__device__ __forceinline__ void cluster_wait() {
#if __CUDA_ARCH__ >= 900
    __cluster_barrier_wait();    // acquire
#elif defined(EAPO4J_HOST_EMULATION)
    emu::cluster_wait();
#endif
}
__device__ __forceinline__ const eapo_softmax_acc* remote_partial(eapo_softmax_acc* local, int rank) {
#if __CUDA_ARCH__ >= 900
    return cg::this_cluster().map_shared_rank(local, rank);
#elif defined(EAPO4J_HOST_EMULATION)
    return emu::remote_block_shared(local, rank);
#else
    (void)rank;
    return local;
#endif
}

template <int DT>
__device__ __forceinline__ void store_grad_vec(typename Dtype<DT>::T* grow, int64_t first, bool vec_ok,
                                               const float* gv) {
    constexpr int VEC = Dtype<DT>::kVec;
    if (vec_ok) {
        __stcs(reinterpret_cast<uint4*>(grow + first), pack<DT>(gv));
    } else {
#pragma unroll
        for (int k = 0; k < VEC; ++k) grow[first + k] = Dtype<DT>::from_f32(gv[k]);
    }
}

// Gradient of one 16-byte vector of logits whose first element is row element `first`, in the factored form of
// rowmath (eapo_grad_elem_factored): about 7 operations and one exp per element, which matters because this loop
// and the statistics loop together are close to the SM's issue rate at HBM speed.
template <int DT>
__device__ __forceinline__ void grad_of_vec(const uint4& v, int64_t first, int64_t y, float inv_tau,
                                            const RowConsts& rc, float* gv) {
    constexpr int VEC = Dtype<DT>::kVec;
    float x[VEC];
    unpack<DT>(v, x);
#pragma unroll
    for (int k = 0; k < VEC; ++k) {
        const float logp_v = fmaf(x[k], inv_tau, -rc.m) - rc.log_s;  // one rounding of z / tau - m: exact at 1e4
        gv[k] = eapo_grad_elem_factored(exp_ftz(logp_v), logp_v, rc.f);
    }
    const uint64_t ty = (uint64_t)(y - first);
    if (ty < (uint64_t)VEC) {  // the target lies in this vector: once per row
#pragma unroll
        for (int k = 0; k < VEC; ++k)
            if ((uint64_t)k == ty) gv[k] += rc.f.t;
    }
}

// MODE: kPathReread, kPathSmem or kPathCluster. One row per CTA (K = 1) or per cluster of K CTAs. WIDE: a cluster
// of 8 or more CTAs, whose small slices leave room for more CTAs per SM if registers allow.
constexpr int min_blocks(int mode, bool wide) {
    return mode != kPathCluster ? EAPO4J_LOSS_MIN_BLOCKS
                                : wide ? EAPO4J_LOSS_WIDE_CLUSTER_MIN_BLOCKS : EAPO4J_LOSS_CLUSTER_MIN_BLOCKS;
}
template <int DT, int MODE, bool WIDE = false>
__global__ void __launch_bounds__(kThreads, min_blocks(MODE, WIDE)) policy_loss_kernel(PolicyLossParams p) {
    typedef Dtype<DT> D;
    typedef typename D::T T;
    constexpr int VEC = D::kVec;
    constexpr bool kSmem = MODE != kPathReread;
    constexpr bool kCluster = MODE == kPathCluster;
    constexpr int kU = WIDE ? EAPO4J_LOSS_WIDE_UNROLL : kUnroll;
    uint4* const slots = dynamic_smem<uint4>();  // this CTA's slice of the row (kSmem)
    EAPO_BLOCK_SHARED(PolicyShared, sh);
    BlockAccScratch& scratch = sh.scratch;
    eapo_softmax_acc& partial = sh.partial;  // this CTA's partial, read by the cluster over DSMEM
    RowConsts& consts = sh.consts;

    const int tid = threadIdx.x, nthr = blockDim.x;
    const int K = kCluster ? cluster_nblocks() : 1;
    const int rank = kCluster ? (int)cluster_rank() : 0;
    const int64_t group = blockIdx.x / K, ngroups = gridDim.x / K;
    const bool keep_l2 = !kSmem && p.grad != nullptr;  // kPathReread reads the row again: keep it in L2

    for (int64_t r = group; r < p.n_rows; r += ngroups) {
        const int64_t roff = row_offset(r, p.rows_inner, p.stride_outer, p.stride_inner);
        const T* row = static_cast<const T*>(p.logits) + roff;
        T* grow = p.grad ? static_cast<T*>(p.grad) + row_offset(r, p.rows_inner, p.grad_stride_outer,
                                                                  p.grad_stride_inner)
                         : nullptr;
        const bool vec_ok = grow && ((((uintptr_t)grow ^ (uintptr_t)row) & 15u) == 0);
        const RowSplit sp = split_row<DT>(row, p.vocab);
        const int64_t per = (sp.nvec + K - 1) / K;
        const int64_t v0 = rank * per < sp.nvec ? rank * per : sp.nvec;
        const int64_t v1 = v0 + per < sp.nvec ? v0 + per : sp.nvec;
        const bool do_head = rank == 0 && tid < sp.head;
        const bool do_tail = rank == K - 1 && tid >= nthr - sp.tail;
        const int64_t scalar_idx = do_head ? tid : p.vocab - (nthr - tid);  // valid when do_head || do_tail
        const float c = p.coefs[r];

        if (c == 0.0f) {  // padding / masked token: zero gradient row, zero outputs, the logits are not read
            if (rank == 0 && tid == 0) {
                if (p.token_loss) p.token_loss[r] = 0.0f;
                if (p.logp) p.logp[r] = 0.0f;
                if (p.entropy) p.entropy[r] = 0.0f;
                if (p.kl) p.kl[r] = 0.0f;
                if (p.flags) p.flags[r] = 0;
                if (p.row_loss) p.row_loss[r] = 0.0;
            }
            if (grow) {
                const float zero[VEC] = {};
                for (int64_t i = v0 + tid; i < v1; i += nthr) store_grad_vec<DT>(grow, sp.head + i * VEC, vec_ok, zero);
                if (do_head || do_tail) grow[scalar_idx] = D::from_f32(0.0f);
            }
            continue;  // uniform across the CTA and the cluster (same row): barriers stay matched
        }

        // ---- phase 1: load the slice (into shared memory unless kPathReread), partial statistics ----
        float zy = 0.0f;
        int64_t y = 0;
        if (tid == 0) {
            y = p.targets[r];
            zy = (y >= 0 && y < p.vocab) ? D::to_f32(row[y]) * p.inv_tau : NAN;  // bad target: NaN row, no OOB
        }
        eapo_softmax_acc acc = eapo_acc_empty();
        float xs = 0.0f;  // this thread's head/tail scalar (unscaled), kept in a register for phase 2
        if (do_head || do_tail) {
            xs = D::to_f32(row[scalar_idx]);
            float x = xs * p.inv_tau;
            acc_add<1>(acc, &x);
        }
        const uint4* vrow = reinterpret_cast<const uint4*>(row + sp.head);
        const int64_t nmine = v1 - v0;
        // Each batch issues all kU loads (predicated at the end of the slice) before the first use: a slice
        // costs ceil(nmine / (kU * nthr)) memory latencies, with no serial remainder loop.
        for (int64_t base = tid; base < nmine; base += kU * (int64_t)nthr) {
            uint4 v[kU];
#pragma unroll
            for (int u = 0; u < kU; ++u) {
                const int64_t i = base + u * nthr;
                if (i < nmine) v[u] = keep_l2 ? __ldcg(vrow + v0 + i) : load_stream(vrow + v0 + i);
            }
#pragma unroll
            for (int u = 0; u < kU; ++u) {
                const int64_t i = base + u * nthr;
                if (i < nmine) {
                    if (kSmem) slots[i] = v[u];
                    float x[VEC];
                    unpack<DT>(v[u], x);
#pragma unroll
                    for (int k = 0; k < VEC; ++k) x[k] *= p.inv_tau;
                    acc_add<VEC>(acc, x);
                }
            }
        }
        acc = block_merge(acc, scratch);  // valid in every thread; s is NaN when the slice held NaN / +inf

        // ---- merge across the cluster (DSMEM), then the per-token terms ----
        if (kCluster) {
            if (tid == 0) partial = acc;
            cluster_arrive();
            cluster_wait();  // every CTA's partial is visible
            if (tid == 0) {
                eapo_softmax_acc m = *remote_partial(&partial, 0);
                for (int j = 1; j < K; ++j) m = eapo_acc_merge(m, *remote_partial(&partial, j));
                acc = m;
            }
            cluster_arrive();  // "done reading the partials"; the matching wait is at the end of the row
        }
        if (tid == 0) {
            const float entropy = eapo_acc_entropy(acc);
            const float logp = eapo_acc_logp(acc, zy);
            const int has_ref = p.has_ref;
            const eapo_token_variant var = eapo_variant_at(p.loss_type, p.seq_log_ratio, p.pg_keep, p.abs_kl_coef,
                                                           p.entropy_threshold, r);
            eapo_token_terms t = eapo_token_loss_variant(logp, entropy, p.old_logp[r],
                                                         has_ref ? p.ref_logp[r] : 0.0f, p.advantages[r],
                                                         p.weights[r], p.clip_low, p.clip_high, p.dual_clip, has_ref,
                                                         p.use_kl ? p.kl_beta : 0.0f, p.entropy_coef, var);
            consts.m = acc.m;
            consts.log_s = logf(acc.s);
            consts.f = eapo_grad_factors_of(t.g, t.eta, entropy, c * p.inv_tau);
            if (rank == 0) {
                if (p.token_loss) p.token_loss[r] = t.loss;
                if (p.logp) p.logp[r] = logp;
                if (p.entropy) p.entropy[r] = entropy;
                if (p.kl) p.kl[r] = t.kl;
                if (p.flags) p.flags[r] = t.flags;
                if (p.row_loss) p.row_loss[r] = (double)c * (double)t.loss;
            }
        }
        __syncthreads();

        // ---- phase 2: the gradient of this CTA's slice ----
        if (grow) {
            const RowConsts rc = consts;
            const int64_t yy = p.targets[r];
            for (int64_t i = tid; i < nmine; i += nthr) {
                const uint4 v = kSmem ? slots[i] : load_stream(vrow + v0 + i);
                float gv[VEC];
                const int64_t first = sp.head + (v0 + i) * VEC;
                grad_of_vec<DT>(v, first, yy, p.inv_tau, rc, gv);
                store_grad_vec<DT>(grow, first, vec_ok, gv);
            }
            if (do_head || do_tail) {
                const float logp_v = fmaf(xs, p.inv_tau, -rc.m) - rc.log_s;
                grow[scalar_idx] = D::from_f32(eapo_grad_elem_factored(exp_ftz(logp_v), logp_v, rc.f) +
                                               (scalar_idx == yy ? rc.f.t : 0.0f));
            }
        }
        if (kCluster) cluster_wait();  // no CTA leaves or overwrites `partial` while another may still read it
        __syncthreads();               // `consts` is rewritten for the next row
    }
}

struct DeviceInfo {
    int major = 0;
    int smem_optin = 0;
};

DeviceInfo device_info() {
    DeviceInfo d;
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return d;
    cudaDeviceGetAttribute(&d.major, cudaDevAttrComputeCapabilityMajor, dev);
    cudaDeviceGetAttribute(&d.smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev);
    return d;
}

// Raises the kernel's dynamic shared memory limit and, for clusters of more than 8, allows the non-portable size.
cudaError_t set_kernel_limits(const void* kernel, int K, int smem) {
    if (smem > 48 * 1024) {
        cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (e != cudaSuccess) return e;
    }
    if (K > 8) return cudaFuncSetAttribute(kernel, cudaFuncAttributeNonPortableClusterSizeAllowed, 1);
    return cudaSuccess;
}

template <int DT, int MODE, bool WIDE = false>
cudaError_t launch_mode(const PolicyLossParams& p, int K, int threads, int smem, cudaStream_t stream) {
    auto kernel = policy_loss_kernel<DT, MODE, WIDE>;
    {
        cudaError_t e = set_kernel_limits((const void*)kernel, K, smem);
        if (e != cudaSuccess) return e;
    }
    int64_t groups = p.n_rows < 2147483647LL / K ? p.n_rows : 2147483647LL / K;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3((unsigned)(groups * K), 1, 1);
    cfg.blockDim = dim3((unsigned)threads, 1, 1);
    cfg.dynamicSmemBytes = (size_t)smem;
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    if (MODE == kPathCluster) {
        attr[0].id = cudaLaunchAttributeClusterDimension;
        attr[0].val.clusterDim.x = (unsigned)K;
        attr[0].val.clusterDim.y = 1;
        attr[0].val.clusterDim.z = 1;
        cfg.attrs = attr;
        cfg.numAttrs = 1;
    }
    cudaError_t e = cudaLaunchKernelEx(&cfg, kernel, p);
    if (e != cudaSuccess) return e;
    return cudaGetLastError();
}

// Whether a cluster launch of K CTAs with `smem` bytes each can be resident at all on this device.
template <int DT, bool WIDE>
bool cluster_fits_impl(int K, int threads, int smem, cudaStream_t stream) {
    auto kernel = policy_loss_kernel<DT, kPathCluster, WIDE>;
    if (set_kernel_limits((const void*)kernel, K, smem) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3((unsigned)K, 1, 1);
    cfg.blockDim = dim3((unsigned)threads, 1, 1);
    cfg.dynamicSmemBytes = (size_t)smem;
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = (unsigned)K;
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    int n = 0;
    if (cudaOccupancyMaxActiveClusters(&n, (const void*)kernel, &cfg) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return n > 0;
}

template <int DT>
bool cluster_fits(int K, int threads, int smem, cudaStream_t stream) {
    return K >= 8 ? cluster_fits_impl<DT, true>(K, threads, smem, stream)
                  : cluster_fits_impl<DT, false>(K, threads, smem, stream);
}

int threads_for(int64_t vectors_per_cta) {
    int64_t want = (vectors_per_cta + 1) / 2;  // a few vectors per thread
    if (want >= kThreads) return kThreads;
    int t = (int)((want + 31) / 32 * 32);
    return t < 32 ? 32 : t;
}

template <int DT>
cudaError_t launch(const PolicyLossParams& p, int requested, cudaStream_t stream, LossLaunchInfo* info) {
    constexpr int VEC = Dtype<DT>::kVec;
    const int64_t nvec_max = p.vocab / VEC;  // upper bound of whole vectors in any row, whatever its alignment
    auto slice_bytes = [&](int K) -> int64_t { return (nvec_max + K - 1) / K * 16; };
    const DeviceInfo dev = device_info();
    const int64_t smem_cap = (int64_t)dev.smem_optin - kStaticSmemReserve;

    // Smallest cluster (2, 4, 8[, 16] CTAs) whose slices are at most kClusterSliceBytes (the largest when only
    // that fits shared memory) and that can be resident; 0 when none.
    auto pick_cluster = [&]() -> int {
        if (dev.major < 9) return 0;
        for (int k = 2; k <= EAPO4J_LOSS_MAX_CLUSTER; k *= 2) {
            if ((slice_bytes(k) <= kClusterSliceBytes || (k == EAPO4J_LOSS_MAX_CLUSTER && slice_bytes(k) <= smem_cap)) &&
                cluster_fits<DT>(k, threads_for(nvec_max / k + 1), (int)slice_bytes(k), stream))
                return k;
        }
        return 0;
    };
    int path = kPathReread, K = 1;
    if (p.grad != nullptr) {  // forward only needs no second look at the row
        if (requested == kPathAuto) {
            if (slice_bytes(1) <= (dev.major >= 9 ? kSmemRowBytes : smem_cap)) {
                path = kPathSmem;  // the whole row in one CTA: no cluster barrier
            } else if (const int k = pick_cluster()) {
                path = kPathCluster; K = k;
            }
        } else if (requested == kPathSmem) {
            if (slice_bytes(1) <= smem_cap) path = kPathSmem;
        } else if (requested == kPathCluster) {
            if (const int k = pick_cluster()) {
                path = kPathCluster; K = k;
            }
        }
    }
    const int64_t per_cta = nvec_max / K + 1;
    const int threads = threads_for(per_cta);
    const int smem = path == kPathReread ? 0 : (int)slice_bytes(K);
    if (info) {
        info->path = path;
        info->cluster_size = K;
        info->threads = threads;
        info->smem_bytes = smem;
    }
    cudaError_t e = cudaSuccess;
    switch (path) {
        case kPathCluster:
            e = K >= 8 ? launch_mode<DT, kPathCluster, true>(p, K, threads, smem, stream)
                       : launch_mode<DT, kPathCluster, false>(p, K, threads, smem, stream);
            break;
        case kPathSmem: e = launch_mode<DT, kPathSmem>(p, 1, threads, smem, stream); break;
        default: return launch_mode<DT, kPathReread>(p, 1, threads_for(nvec_max + 1), 0, stream);
    }
    // A launch-configuration refusal (cluster or shared-memory resources) is not sticky: fall back to re-reading.
    if (e == cudaErrorInvalidClusterSize || e == cudaErrorInvalidConfiguration || e == cudaErrorInvalidValue ||
        e == cudaErrorLaunchOutOfResources || e == cudaErrorNotSupported) {
        cudaGetLastError();
        const int t = threads_for(nvec_max + 1);
        if (info) *info = LossLaunchInfo{kPathReread, 1, t, 0};
        return launch_mode<DT, kPathReread>(p, 1, t, 0, stream);
    }
    return e;
}

__global__ void loss_reduce_kernel(const double* row_loss, int64_t n, double* out) {
    __shared__ double part[1024];
    double s = 0.0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += row_loss[i];  // fixed order per thread
    part[threadIdx.x] = s;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {  // fixed tree
        if ((int)threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) *out = part[0];
}

}  // namespace

cudaError_t launch_policy_loss(const PolicyLossParams& p, int dtype, int requested, cudaStream_t stream,
                               LossLaunchInfo* info) {
    if (p.n_rows == 0) return cudaSuccess;
    switch (dtype) {
        case EAPO_F32: return launch<EAPO_F32>(p, requested, stream, info);
        case EAPO_BF16: return launch<EAPO_BF16>(p, requested, stream, info);
        default: return launch<EAPO_F16>(p, requested, stream, info);
    }
}

cudaError_t launch_loss_reduce(const double* row_loss, int64_t n, double* out, cudaStream_t stream) {
    return launch_kernel(loss_reduce_kernel, 1, 1024, 0, stream, row_loss, n, out);
}

}  // namespace cuda
}  // namespace eapo4j
