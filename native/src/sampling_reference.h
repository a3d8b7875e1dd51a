// The float64 full-sort reference of the sampling op (sampling_cpu.cpp, sample_reference_rows) as a C function of
// libeapo4j.so, for the native and GPU tests only (not public API: not in eapo4j.h). Same contract and
// checks as eapo_sample_cpu; one thread.
#ifndef EAPO4J_SAMPLING_REFERENCE_H
#define EAPO4J_SAMPLING_REFERENCE_H

#include "eapo4j.h"

#ifdef __cplusplus
extern "C" {
#endif

int eapo_sample_cpu_reference(const eapo_sample_args* args, char* err, int err_len);

#ifdef __cplusplus
}
#endif

#endif  // EAPO4J_SAMPLING_REFERENCE_H
