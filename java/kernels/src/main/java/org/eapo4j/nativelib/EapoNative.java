package org.eapo4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/eapo4j.h}, one method per C function, nothing else.
 * Pointers travel as {@code long} addresses (a tensor's {@code data_ptr().address()}); validation lives in
 * {@link org.eapo4j.kernels.FusedKernels}, never here. Use the kernels through that facade.
 */
@Platform(include = "eapo4j.h", link = "eapo4j")
public final class EapoNative {
    static {
        Loader.load();
    }

    private EapoNative() {}

    public static final int EAPO_F32 = 0, EAPO_BF16 = 1, EAPO_F16 = 2;
    public static final int EAPO_OK = 0, EAPO_EINVAL = 1, EAPO_ENODEV = 2, EAPO_ECUDA = 3;
    public static final int EAPO_FLAG_CLIPPED = 1, EAPO_FLAG_DUAL_CLIPPED = 2;

    /** Mirror of {@code eapo_loss_config}. */
    @Name("eapo_loss_config")
    public static final class LossConfig extends Pointer {
        static {
            Loader.load();
        }

        public LossConfig() {
            allocate();
        }

        private native void allocate();

        public native float temperature(); public native LossConfig temperature(float v);
        public native float clip_low(); public native LossConfig clip_low(float v);
        public native float clip_high(); public native LossConfig clip_high(float v);
        public native float dual_clip(); public native LossConfig dual_clip(float v);
        public native float kl_beta(); public native LossConfig kl_beta(float v);
        public native float entropy_coef(); public native LossConfig entropy_coef(float v);
    }

    public static native void eapo_cpu_set_num_threads(int n);

    public static native int eapo_cpu_get_num_threads();

    public static native @Cast("const char*") String eapo_cpu_simd_level();

    public static native int eapo_cuda_compiled();

    public static native int eapo_cuda_device_count();

    public static native int eapo_token_stats_cpu(
            @Cast("const void*") long logits, int dtype,
            long rowsOuter, long rowsInner, long strideOuter, long strideInner, long vocab,
            @Cast("const int64_t*") long targets, float temperature,
            @Cast("float*") long logpOut, @Cast("float*") long entropyOut,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_policy_loss_cpu(
            @Cast("const void*") long logits, int dtype,
            long rowsOuter, long rowsInner, long strideOuter, long strideInner, long vocab,
            @Cast("const int64_t*") long targets,
            @Cast("const float*") long oldLogp, @Cast("const float*") long refLogp,
            @Cast("const float*") long advantages, @Cast("const float*") long weights,
            @Cast("const float*") long coefs, @Cast("const eapo_loss_config*") LossConfig cfg,
            @Cast("double*") double[] lossOut, @Cast("float*") long tokenLoss, @Cast("float*") long logpOut,
            @Cast("float*") long entropyOut, @Cast("uint8_t*") long flags,
            @Cast("void*") long grad, long gradStrideOuter, long gradStrideInner,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_token_stats_cuda(
            @Cast("const void*") long logits, int dtype,
            long rowsOuter, long rowsInner, long strideOuter, long strideInner, long vocab,
            @Cast("const int64_t*") long targets, float temperature,
            @Cast("float*") long logpOut, @Cast("float*") long entropyOut, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_policy_loss_cuda(
            @Cast("const void*") long logits, int dtype,
            long rowsOuter, long rowsInner, long strideOuter, long strideInner, long vocab,
            @Cast("const int64_t*") long targets,
            @Cast("const float*") long oldLogp, @Cast("const float*") long refLogp,
            @Cast("const float*") long advantages, @Cast("const float*") long weights,
            @Cast("const float*") long coefs, @Cast("const eapo_loss_config*") LossConfig cfg,
            @Cast("double*") double[] lossOut, @Cast("float*") long tokenLoss, @Cast("float*") long logpOut,
            @Cast("float*") long entropyOut, @Cast("uint8_t*") long flags,
            @Cast("void*") long grad, long gradStrideOuter, long gradStrideInner, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);
}
