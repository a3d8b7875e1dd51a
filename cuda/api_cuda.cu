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
int check_rows(const void* logits, int dtype, int64_t rows_outer, int64_t rows_inner, int64_t stride_outer,
               int64_t stride_inner, int64_t vocab, const int64_t* targets, char* err, int err_len) {
    int st = eapo4j::check_geometry(logits, dtype, rows_outer, rows_inner, stride_outer, stride_inner, vocab,
                                    targets, err, err_len);
    if (st != EAPO_OK) return st;
    if (((uintptr_t)logits % dtype_size(dtype)) != 0)
        return set_error(err, err_len, EAPO_EINVAL, "logits is not aligned to its element size");
    return EAPO_OK;
}

RowsParams rows_params(const void* logits, int64_t n_rows, int64_t rows_inner, int64_t stride_outer,
                       int64_t stride_inner, int64_t vocab, const int64_t* targets, float temperature) {
    return RowsParams{logits, n_rows, rows_inner, stride_outer, stride_inner, vocab, targets, 1.0f / temperature};
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

int eapo_token_stats_cuda(const void* logits, int dtype, int64_t rows_outer, int64_t rows_inner,
                          int64_t stride_outer, int64_t stride_inner, int64_t vocab, const int64_t* targets,
                          float temperature, float* logp_out, float* entropy_out, void* stream, char* err,
                          int err_len) {
    EAPO_CHECK(check_rows(logits, dtype, rows_outer, rows_inner, stride_outer, stride_inner, vocab, targets, err,
                          err_len));
    EAPO_CHECK(eapo4j::check_temperature(temperature, err, err_len));
    if (logp_out == nullptr || entropy_out == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "output pointer is NULL");
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const int64_t n = rows_outer * rows_inner;
    if (n == 0) return EAPO_OK;
    EAPO_CHECK(check_device_pointer(logits, "logits", err, err_len));
    EAPO_CHECK(check_device_pointer(targets, "targets", err, err_len));
    EAPO_CHECK(check_device_pointer(logp_out, "logp_out", err, err_len));
    EAPO_CHECK(check_device_pointer(entropy_out, "entropy_out", err, err_len));
    TokenStatsParams p;
    static_cast<RowsParams&>(p) =
        rows_params(logits, n, rows_inner, stride_outer, stride_inner, vocab, targets, temperature);
    p.logp = logp_out;
    p.entropy = entropy_out;
    cudaError_t e = launch_token_stats(p, dtype, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) return cuda_error(err, err_len, "token_stats_cuda launch failed", e);
    return EAPO_OK;
}

int eapo_policy_loss_cuda(const void* logits, int dtype, int64_t rows_outer, int64_t rows_inner,
                          int64_t stride_outer, int64_t stride_inner, int64_t vocab, const int64_t* targets,
                          const float* old_logp, const float* ref_logp, const float* advantages,
                          const float* weights, const float* coefs, const eapo_loss_config* cfg, double* loss_out,
                          float* token_loss, float* logp_out, float* entropy_out, uint8_t* flags, void* grad,
                          int64_t grad_stride_outer, int64_t grad_stride_inner, void* stream, char* err,
                          int err_len) {
    EAPO_CHECK(check_rows(logits, dtype, rows_outer, rows_inner, stride_outer, stride_inner, vocab, targets, err,
                          err_len));
    EAPO_CHECK(eapo4j::check_loss_inputs(old_logp, advantages, weights, coefs, cfg, err, err_len));
    if (grad != nullptr) {
        if (((uintptr_t)grad % dtype_size(dtype)) != 0)
            return set_error(err, err_len, EAPO_EINVAL, "grad is not aligned to its element size");
        if (grad_stride_outer < 0 || grad_stride_inner < 0)
            return set_error(err, err_len, EAPO_EINVAL, "negative grad stride");
    }
    if (eapo_cuda_device_count() == 0) return set_error(err, err_len, EAPO_ENODEV, "no CUDA device");
    const int64_t n = rows_outer * rows_inner;
    if (n == 0) {
        if (loss_out) *loss_out = 0.0;
        return EAPO_OK;
    }
    const bool use_kl = ref_logp != nullptr && cfg->kl_beta > 0.0f;  // SPEC: only when beta > 0
    EAPO_CHECK(check_device_pointer(logits, "logits", err, err_len));
    EAPO_CHECK(check_device_pointer(targets, "targets", err, err_len));
    EAPO_CHECK(check_device_pointer(old_logp, "old_logp", err, err_len));
    EAPO_CHECK(check_device_pointer(advantages, "advantages", err, err_len));
    EAPO_CHECK(check_device_pointer(weights, "weights", err, err_len));
    EAPO_CHECK(check_device_pointer(coefs, "coefs", err, err_len));
    if (use_kl) EAPO_CHECK(check_device_pointer(ref_logp, "ref_logp", err, err_len));
    EAPO_CHECK(check_ptr_opt(token_loss, "token_loss", err, err_len));
    EAPO_CHECK(check_ptr_opt(logp_out, "logp_out", err, err_len));
    EAPO_CHECK(check_ptr_opt(entropy_out, "entropy_out", err, err_len));
    EAPO_CHECK(check_ptr_opt(flags, "flags", err, err_len));
    EAPO_CHECK(check_ptr_opt(grad, "grad", err, err_len));

    cudaStream_t s = static_cast<cudaStream_t>(stream);
    double* scratch = nullptr;  // [n] c_t * l_t, then the total at [n]
    bool async_alloc = true;
    if (loss_out != nullptr) {
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

    PolicyLossParams p;
    static_cast<RowsParams&>(p) =
        rows_params(logits, n, rows_inner, stride_outer, stride_inner, vocab, targets, cfg->temperature);
    p.old_logp = old_logp;
    p.ref_logp = use_kl ? ref_logp : nullptr;
    p.advantages = advantages;
    p.weights = weights;
    p.coefs = coefs;
    p.clip_low = cfg->clip_low;
    p.clip_high = cfg->clip_high;
    p.dual_clip = cfg->dual_clip;
    p.kl_beta = cfg->kl_beta;
    p.entropy_coef = cfg->entropy_coef;
    p.use_kl = use_kl ? 1 : 0;
    p.token_loss = token_loss;
    p.logp = logp_out;
    p.entropy = entropy_out;
    p.flags = flags;
    p.row_loss = scratch;
    p.grad = grad;
    p.grad_stride_outer = grad_stride_outer;
    p.grad_stride_inner = grad_stride_inner;

    LossLaunchInfo info = {0, 0, 0, 0};
    cudaError_t e = launch_policy_loss(p, dtype, g_loss_path.load(), s, &info);
    t_last_info = info;
    if (e != cudaSuccess) {
        release();
        return cuda_error(err, err_len, "policy_loss_cuda launch failed", e);
    }
    if (loss_out != nullptr) {
        e = launch_loss_reduce(scratch, n, scratch + n, s);
        if (e == cudaSuccess) e = cudaMemcpyAsync(loss_out, scratch + n, sizeof(double), cudaMemcpyDeviceToHost, s);
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

}  // extern "C"
