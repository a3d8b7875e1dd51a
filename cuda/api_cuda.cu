// C API of the CUDA kernels (native/include/eapo4j.h): argument checks (EAPO_EINVAL with a message, never abort),
// pointer checks (a host pointer passed as a device pointer is refused here rather than poisoning the CUDA context
// with an illegal-address fault), the launches (token_stats.cu, policy_loss.cu), and the deterministic batch-loss
// reduction: the loss kernel writes c_t * l_t per row into a stream-ordered scratch buffer (cudaMallocAsync, freed
// on the same stream, so concurrent callers on different streams never share it and nothing leaks), a one-block
// kernel sums it in a fixed order, and the double is copied to the host after the stream is synchronised.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <cuda_runtime.h>

#include "eapo4j.h"
#include "eapo4j_cuda_debug.h"
#include "api_checks.h"
#include "kernels.h"
#include "status.h"

using eapo4j::set_error;
using namespace eapo4j::cuda;

namespace {

std::atomic<int> g_loss_path{kPathAuto};
thread_local LossLaunchInfo t_last_info = {0, 0, 0, 0};

int cuda_error(char* err, int err_len, const char* what, cudaError_t e) {
    return set_error(err, err_len, EAPO_ECUDA, "%s: %s (%s, CUDA error %d)", what, cudaGetErrorString(e),
                     cudaGetErrorName(e), (int)e);
}

size_t dtype_size(int dtype) { return dtype == EAPO_F32 ? 4 : 2; }

// A pointer the current device can read: device or managed memory, or registered / pinned host memory.
int check_device_pointer(const void* ptr, const char* name, char* err, int err_len) {
    cudaPointerAttributes a;
    std::memset(&a, 0, sizeof a);
    cudaError_t e = cudaPointerGetAttributes(&a, ptr);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cuda_error(err, err_len, name, e);
    }
    if (a.type == cudaMemoryTypeUnregistered)
        return set_error(err, err_len, EAPO_EINVAL, "%s is not a CUDA device pointer (plain host memory)", name);
    if (a.type == cudaMemoryTypeDevice) {
        int dev = 0;
        if (cudaGetDevice(&dev) == cudaSuccess && a.device != dev)
            return set_error(err, err_len, EAPO_EINVAL,
                             "%s lives on CUDA device %d but the current device is %d (call cudaSetDevice first)",
                             name, a.device, dev);
    }
    return EAPO_OK;
}

// The shared checks plus alignment: the kernels read the logits with element-sized (and 16-byte) loads.
template <class Args>
int check_cuda_args(const Args* a, char* err, int err_len) {
    int st = eapo4j::check_args(a, err, err_len);
    if (st != EAPO_OK) return st;
    if (((uintptr_t)a->logits % dtype_size(a->dtype)) != 0)
        return set_error(err, err_len, EAPO_EINVAL, "logits is not aligned to its element size");
    return EAPO_OK;
}

// The kernels' parameters: the args as given, plus what is derived from them once per call.
TokenStatsParams token_stats_params(const eapo_token_stats_args& a) {
    TokenStatsParams p;
    static_cast<eapo_token_stats_args&>(p) = a;
    p.n_rows = a.rows_outer * a.rows_inner;
    p.inv_tau = 1.0f / a.temperature;
    return p;
}

SampleParams sample_params(const eapo_sample_args& a) {
    SampleParams p;
    static_cast<eapo_sample_args&>(p) = a;
    p.n_rows = a.rows_outer * a.rows_inner;
    p.greedy = a.temperature == 0.0 ? 1 : 0;
    p.inv_tau = p.greedy ? 0.0f : (float)(1.0 / a.temperature);
    return p;
}

PolicyLossParams policy_loss_params(const eapo_policy_loss_args& a) {
    PolicyLossParams p;
    static_cast<eapo_policy_loss_args&>(p) = a;
    p.n_rows = a.rows_outer * a.rows_inner;
    p.inv_tau = 1.0f / a.temperature;
    p.use_kl = a.ref_logp != nullptr && a.kl_beta > 0.0f ? 1 : 0;  // SPEC: in the loss only when beta > 0
    p.has_ref = a.ref_logp != nullptr && (p.use_kl || a.kl != nullptr) ? 1 : 0;  // k3 also reported when beta = 0
    if (!p.has_ref) p.ref_logp = nullptr;
    p.batch_loss = nullptr;  // host memory: written here after the reduction, never by a kernel
    p.row_loss = nullptr;    // set once the scratch buffer exists
    return p;
}

#define EAPO_CHECK(expr)             \
    do {                             \
        int st_ = (expr);            \
        if (st_ != EAPO_OK) return st_; \
    } while (0)

int check_ptr_opt(const void* p, const char* name, char* err, int err_len) {
    return p == nullptr ? EAPO_OK : check_device_pointer(p, name, err, err_len);
}

}  // namespace

extern "C" {

int eapo_cuda_compiled(void) { return 1; }

int eapo_cuda_device_count(void) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();  // clear the error (e.g. 35: driver too old / absent, 100: no device)
        return 0;
    }
    return n;
}

int eapo_cuda_debug_set_loss_path(int path) {
    if (path < kPathAuto || path > kPathCluster) path = kPathAuto;
    return g_loss_path.exchange(path);
}

int eapo_cuda_debug_last_loss_path(int* cluster_size, int* threads, int* smem_bytes) {
    if (cluster_size) *cluster_size = t_last_info.cluster_size;
    if (threads) *threads = t_last_info.threads;
    if (smem_bytes) *smem_bytes = t_last_info.smem_bytes;
    return t_last_info.path;
}

int eapo_token_stats_cuda(const eapo_token_stats_args* args, void* stream, char* err, int err_len) {
    EAPO_CHECK(check_cuda_args(args, err, err_len));
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const eapo_token_stats_args& a = *args;
    if (a.rows_outer * a.rows_inner == 0) return EAPO_OK;
    EAPO_CHECK(check_device_pointer(a.logits, "logits", err, err_len));
    EAPO_CHECK(check_device_pointer(a.targets, "targets", err, err_len));
    EAPO_CHECK(check_device_pointer(a.logp, "logp", err, err_len));
    EAPO_CHECK(check_device_pointer(a.entropy, "entropy", err, err_len));
    cudaError_t e = launch_token_stats(token_stats_params(a), a.dtype, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) return cuda_error(err, err_len, "token_stats_cuda launch failed", e);
    return EAPO_OK;
}

int eapo_policy_loss_cuda(const eapo_policy_loss_args* args, void* stream, char* err, int err_len) {
    EAPO_CHECK(check_cuda_args(args, err, err_len));
    const eapo_policy_loss_args& a = *args;
    if (a.grad != nullptr && ((uintptr_t)a.grad % dtype_size(a.dtype)) != 0)
        return set_error(err, err_len, EAPO_EINVAL, "grad is not aligned to its element size");
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const int64_t n = a.rows_outer * a.rows_inner;
    if (n == 0) {
        if (a.batch_loss) *a.batch_loss = 0.0;
        return EAPO_OK;
    }
    PolicyLossParams p = policy_loss_params(a);
    EAPO_CHECK(check_device_pointer(a.logits, "logits", err, err_len));
    EAPO_CHECK(check_device_pointer(a.targets, "targets", err, err_len));
    EAPO_CHECK(check_device_pointer(a.old_logp, "old_logp", err, err_len));
    EAPO_CHECK(check_device_pointer(a.advantages, "advantages", err, err_len));
    EAPO_CHECK(check_device_pointer(a.weights, "weights", err, err_len));
    EAPO_CHECK(check_device_pointer(a.coefs, "coefs", err, err_len));
    if (p.has_ref) EAPO_CHECK(check_device_pointer(a.ref_logp, "ref_logp", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.seq_log_ratio, "seq_log_ratio", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.pg_keep, "pg_keep", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.abs_kl_coef, "abs_kl_coef", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.token_loss, "token_loss", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.logp, "logp", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.entropy, "entropy", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.kl, "kl", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.flags, "flags", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.grad, "grad", err, err_len));

    cudaStream_t s = static_cast<cudaStream_t>(stream);
    double* scratch = nullptr;  // [n] c_t * l_t, then the total at [n]
    bool async_alloc = true;
    if (a.batch_loss != nullptr) {
        const size_t bytes = (size_t)(n + 1) * sizeof(double);
        cudaError_t e = cudaMallocAsync(reinterpret_cast<void**>(&scratch), bytes, s);
        if (e == cudaErrorNotSupported) {  // no stream-ordered allocator: plain cudaMalloc, freed after the sync
            cudaGetLastError();
            async_alloc = false;
            e = cudaMalloc(reinterpret_cast<void**>(&scratch), bytes);
        }
        if (e != cudaSuccess) {
            cudaGetLastError();
            return cuda_error(err, err_len, "policy_loss_cuda: allocating the loss scratch buffer failed", e);
        }
    }
    auto release = [&]() {
        if (scratch == nullptr) return cudaSuccess;
        cudaError_t fe = async_alloc ? cudaFreeAsync(scratch, s) : cudaFree(scratch);
        scratch = nullptr;
        return fe;
    };

    p.row_loss = scratch;
    LossLaunchInfo info = {0, 0, 0, 0};
    cudaError_t e = launch_policy_loss(p, a.dtype, g_loss_path.load(), s, &info);
    t_last_info = info;
    if (e != cudaSuccess) {
        release();
        return cuda_error(err, err_len, "policy_loss_cuda launch failed", e);
    }
    if (a.batch_loss != nullptr) {
        e = launch_loss_reduce(scratch, n, scratch + n, s);
        if (e == cudaSuccess) e = cudaMemcpyAsync(a.batch_loss, scratch + n, sizeof(double), cudaMemcpyDeviceToHost, s);
        cudaError_t fe = async_alloc ? release() : cudaSuccess;
        cudaError_t se = cudaStreamSynchronize(s);
        if (!async_alloc) fe = release();
        if (e == cudaSuccess) e = se;
        if (e == cudaSuccess) e = fe;
        if (e != cudaSuccess) {
            cudaGetLastError();
            return cuda_error(err, err_len, "policy_loss_cuda failed", e);
        }
    }
    return EAPO_OK;
}

// The kernel marks a bad row with a negative id; the ids are read back (the caller needs them on the host anyway)
// to name the first such row.
int eapo_sample_cuda(const eapo_sample_args* args, void* stream, char* err, int err_len) {
    EAPO_CHECK(check_cuda_args(args, err, err_len));
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const eapo_sample_args& a = *args;
    const int64_t n = a.rows_outer * a.rows_inner;
    if (n == 0) return EAPO_OK;
    EAPO_CHECK(check_device_pointer(a.logits, "logits", err, err_len));
    EAPO_CHECK(check_device_pointer(a.ids, "ids", err, err_len));
    if (a.temperature > 0.0) EAPO_CHECK(check_device_pointer(a.uniforms, "uniforms", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.valid_vocab, "valid_vocab", err, err_len));
    EAPO_CHECK(check_ptr_opt(a.logp, "logp", err, err_len));
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    cudaError_t e = launch_sample(sample_params(a), a.dtype, s);
    if (e != cudaSuccess) return cuda_error(err, err_len, "sample_cuda launch failed", e);
    std::vector<int64_t> ids((size_t)n);
    e = cudaMemcpyAsync(ids.data(), a.ids, (size_t)n * sizeof(int64_t), cudaMemcpyDeviceToHost, s);
    cudaError_t se = cudaStreamSynchronize(s);
    if (e == cudaSuccess) e = se;
    if (e != cudaSuccess) {
        cudaGetLastError();
        return cuda_error(err, err_len, "sample_cuda failed", e);
    }
    for (int64_t r = 0; r < n; ++r)
        if (ids[(size_t)r] < 0) return eapo4j::sample_row_error(err, err_len, r, (int)-ids[(size_t)r]);
    return EAPO_OK;
}

// The arrays are read and written with element-sized accesses; eapo4j::check_args checks alignment and overlap.
int eapo_adamw_cuda(const eapo_adamw_args* args, void* stream, char* err, int err_len) {
    EAPO_CHECK(eapo4j::check_args(args, err, err_len));
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const eapo_adamw_args& a = *args;
    if (a.n == 0) return EAPO_OK;
    EAPO_CHECK(check_device_pointer(a.param, "param", err, err_len));
    EAPO_CHECK(check_device_pointer(a.grad, "grad", err, err_len));
    EAPO_CHECK(check_device_pointer(a.exp_avg, "exp_avg", err, err_len));
    EAPO_CHECK(check_device_pointer(a.exp_avg_sq, "exp_avg_sq", err, err_len));
    AdamwParams p;
    static_cast<eapo_adamw_args&>(p) = a;
    p.c = eapo_adamw_prepare(&a);
    cudaError_t e = launch_adamw(p, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) return cuda_error(err, err_len, "adamw_cuda launch failed", e);
    return EAPO_OK;
}

}  // extern "C"
