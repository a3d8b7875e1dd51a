// The CUDA entry points of a build without nvcc: they exist (so the JNI binding links) and say why they can't run.
#include "eapo4j.h"
#include "status.h"

using eapo4j::set_error;

extern "C" {

int eapo_cuda_compiled(void) { return 0; }

int eapo_cuda_device_count(void) { return 0; }

int eapo_token_stats_cuda(const eapo_token_stats_args*, void*, char* err, int err_len) {
    return set_error(err, err_len, EAPO_ENODEV, "eapo4j was built without CUDA (nvcc was not found at build time)");
}

int eapo_policy_loss_cuda(const eapo_policy_loss_args*, void*, char* err, int err_len) {
    return set_error(err, err_len, EAPO_ENODEV, "eapo4j was built without CUDA (nvcc was not found at build time)");
}

int eapo_sample_cuda(const eapo_sample_args*, void*, char* err, int err_len) {
    return set_error(err, err_len, EAPO_ENODEV, "eapo4j was built without CUDA (nvcc was not found at build time)");
}

int eapo_adamw_cuda(const eapo_adamw_args*, void*, char* err, int err_len) {
    return set_error(err, err_len, EAPO_ENODEV, "eapo4j was built without CUDA (nvcc was not found at build time)");
}

}  // extern "C"
