/*
 * The AdamW step of eapo_adamw_args (eapo4j.h), shared by the CPU kernels (native/src/adamw_cpu.cpp) and the CUDA
 * kernel (cuda/adamw.cu): the float32 scalars, prepared once per call in double, and the one order of float32
 * operations per element. Each operation is a single IEEE float32 operation rounded to nearest (no FMA: under nvcc
 * the __f*_rn intrinsics keep the compiler from contracting a * b + c; the CPU sources are compiled with
 * -ffp-contract=off), so the scalar loop, the SIMD loops and the GPU agree bit for bit. The SIMD loops in
 * adamw_cpu.cpp repeat this order lane-wise; change one, change both.
 */
#ifndef EAPO4J_ADAMW_H
#define EAPO4J_ADAMW_H

#include <math.h>
#include <stdint.h>

#include "eapo4j.h"

#if defined(__CUDACC__)
#define EAPO_ADAMW_HD __host__ __device__ __forceinline__
#else
#define EAPO_ADAMW_HD static inline
#endif

#if defined(__CUDA_ARCH__)
#define EAPO_FMUL(a, b) __fmul_rn((a), (b))
#define EAPO_FADD(a, b) __fadd_rn((a), (b))
#define EAPO_FSUB(a, b) __fsub_rn((a), (b))
#define EAPO_FDIV(a, b) __fdiv_rn((a), (b))
#define EAPO_FSQRT(a) __fsqrt_rn(a)
#else
#define EAPO_FMUL(a, b) ((a) * (b))
#define EAPO_FADD(a, b) ((a) + (b))
#define EAPO_FSUB(a, b) ((a) - (b))
#define EAPO_FDIV(a, b) ((a) / (b))
#define EAPO_FSQRT(a) sqrtf(a)
#endif

/* The per-call scalars as float32, each computed in double and rounded once. */
typedef struct eapo_adamw_consts {
    float grad_scale;
    float decay;            /* 1 - lr * weight_decay */
    float beta1, one_minus_beta1;
    float beta2, one_minus_beta2;
    float inv_bc2;          /* 1 / (1 - beta2^step) */
    float eps;
    float step_size;        /* lr / (1 - beta1^step) */
} eapo_adamw_consts;

static inline eapo_adamw_consts eapo_adamw_prepare(const eapo_adamw_args* a) {
    const double bc1 = 1.0 - pow(a->beta1, (double)a->step), bc2 = 1.0 - pow(a->beta2, (double)a->step);
    eapo_adamw_consts c;
    c.grad_scale = (float)a->grad_scale;
    c.decay = (float)(1.0 - a->lr * a->weight_decay);
    c.beta1 = (float)a->beta1;
    c.one_minus_beta1 = (float)(1.0 - a->beta1);
    c.beta2 = (float)a->beta2;
    c.one_minus_beta2 = (float)(1.0 - a->beta2);
    c.inv_bc2 = (float)(1.0 / bc2);
    c.eps = (float)a->eps;
    c.step_size = (float)(a->lr / bc1);
    return c;
}

/* The new moments of one element, before they are rounded to the state dtype. */
EAPO_ADAMW_HD void eapo_adamw_moments(float grad, float m, float v, eapo_adamw_consts c, float* m_new, float* v_new) {
    const float g = EAPO_FMUL(grad, c.grad_scale);
    *m_new = EAPO_FADD(EAPO_FMUL(c.beta1, m), EAPO_FMUL(c.one_minus_beta1, g));
    *v_new = EAPO_FADD(EAPO_FMUL(c.beta2, v), EAPO_FMUL(c.one_minus_beta2, EAPO_FMUL(g, g)));
}

/* The new parameter from the old one and the moments as stored (rounded to the state dtype). */
EAPO_ADAMW_HD float eapo_adamw_param(float p, float m_stored, float v_stored, eapo_adamw_consts c) {
    const float decayed = EAPO_FMUL(p, c.decay);
    const float denom = EAPO_FADD(EAPO_FSQRT(EAPO_FMUL(v_stored, c.inv_bc2)), c.eps);
    return EAPO_FSUB(decayed, EAPO_FDIV(EAPO_FMUL(c.step_size, m_stored), denom));
}

#endif /* EAPO4J_ADAMW_H */
