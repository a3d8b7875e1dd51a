package org.eapo4j.nativelib;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/eapo4j.h}, one method per C function and one {@link Pointer} class per
 * args struct, nothing else. Pointers travel as {@code long} addresses (a tensor's {@code data_ptr().address()}),
 * set on the args struct field by field; validation lives in
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
    public static final int EAPO_FLAG_CLIPPED = 1, EAPO_FLAG_DUAL_CLIPPED = 2, EAPO_FLAG_ENTROPY_MASKED = 4,
            EAPO_FLAG_PG_DROPPED = 8, EAPO_FLAG_KL_COV = 16;
    public static final int EAPO_LOSS_CLIPPED = 0, EAPO_LOSS_CISPO = 1, EAPO_LOSS_UNCLIPPED = 2;

    /**
     * Mirror of {@code eapo_token_stats_args}: one getter and one chaining setter per field, pointers as {@code long}
     * addresses. The struct is native memory: close it (try-with-resources) after the call.
     */
    @Name("eapo_token_stats_args")
    public static final class TokenStatsArgs extends Pointer {
        static {
            Loader.load();
        }

        /** A zeroed struct (every pointer NULL). */
        public TokenStatsArgs() {
            allocate();
        }

        private native void allocate();

        public native @Cast("const void*") long logits();
        public native TokenStatsArgs logits(@Cast("const void*") long v);
        public native int dtype(); public native TokenStatsArgs dtype(int v);
        public native long rows_outer(); public native TokenStatsArgs rows_outer(long v);
        public native long rows_inner(); public native TokenStatsArgs rows_inner(long v);
        public native long stride_outer(); public native TokenStatsArgs stride_outer(long v);
        public native long stride_inner(); public native TokenStatsArgs stride_inner(long v);
        public native long vocab(); public native TokenStatsArgs vocab(long v);
        public native @Cast("const int64_t*") long targets();
        public native TokenStatsArgs targets(@Cast("const int64_t*") long v);
        public native float temperature(); public native TokenStatsArgs temperature(float v);
        public native @Cast("float*") long logp();
        public native TokenStatsArgs logp(@Cast("float*") long v);
        public native @Cast("float*") long entropy();
        public native TokenStatsArgs entropy(@Cast("float*") long v);
    }

    /**
     * Mirror of {@code eapo_policy_loss_args}, as {@link TokenStatsArgs}. {@code batch_loss} is the address of one
     * host {@code double} (e.g. a {@code DoublePointer}), or 0.
     */
    @Name("eapo_policy_loss_args")
    public static final class PolicyLossArgs extends Pointer {
        static {
            Loader.load();
        }

        /** A zeroed struct (every pointer NULL, every hyper-parameter 0). */
        public PolicyLossArgs() {
            allocate();
        }

        private native void allocate();

        public native @Cast("const void*") long logits();
        public native PolicyLossArgs logits(@Cast("const void*") long v);
        public native int dtype(); public native PolicyLossArgs dtype(int v);
        public native long rows_outer(); public native PolicyLossArgs rows_outer(long v);
        public native long rows_inner(); public native PolicyLossArgs rows_inner(long v);
        public native long stride_outer(); public native PolicyLossArgs stride_outer(long v);
        public native long stride_inner(); public native PolicyLossArgs stride_inner(long v);
        public native long vocab(); public native PolicyLossArgs vocab(long v);
        public native @Cast("const int64_t*") long targets();
        public native PolicyLossArgs targets(@Cast("const int64_t*") long v);
        public native @Cast("const float*") long old_logp();
        public native PolicyLossArgs old_logp(@Cast("const float*") long v);
        public native @Cast("const float*") long ref_logp();
        public native PolicyLossArgs ref_logp(@Cast("const float*") long v);
        public native @Cast("const float*") long advantages();
        public native PolicyLossArgs advantages(@Cast("const float*") long v);
        public native @Cast("const float*") long weights();
        public native PolicyLossArgs weights(@Cast("const float*") long v);
        public native @Cast("const float*") long coefs();
        public native PolicyLossArgs coefs(@Cast("const float*") long v);
        public native float temperature(); public native PolicyLossArgs temperature(float v);
        public native float clip_low(); public native PolicyLossArgs clip_low(float v);
        public native float clip_high(); public native PolicyLossArgs clip_high(float v);
        public native float dual_clip(); public native PolicyLossArgs dual_clip(float v);
        public native float kl_beta(); public native PolicyLossArgs kl_beta(float v);
        public native float entropy_coef(); public native PolicyLossArgs entropy_coef(float v);
        public native int loss_type(); public native PolicyLossArgs loss_type(int v);
        public native @Cast("const float*") long seq_log_ratio();
        public native PolicyLossArgs seq_log_ratio(@Cast("const float*") long v);
        public native float entropy_threshold(); public native PolicyLossArgs entropy_threshold(float v);
        public native @Cast("const uint8_t*") long pg_keep();
        public native PolicyLossArgs pg_keep(@Cast("const uint8_t*") long v);
        public native @Cast("const float*") long abs_kl_coef();
        public native PolicyLossArgs abs_kl_coef(@Cast("const float*") long v);
        public native @Cast("double*") long batch_loss();
        public native PolicyLossArgs batch_loss(@Cast("double*") long v);
        public native @Cast("float*") long token_loss();
        public native PolicyLossArgs token_loss(@Cast("float*") long v);
        public native @Cast("float*") long logp();
        public native PolicyLossArgs logp(@Cast("float*") long v);
        public native @Cast("float*") long entropy();
        public native PolicyLossArgs entropy(@Cast("float*") long v);
        public native @Cast("float*") long kl();
        public native PolicyLossArgs kl(@Cast("float*") long v);
        public native @Cast("uint8_t*") long flags();
        public native PolicyLossArgs flags(@Cast("uint8_t*") long v);
        public native @Cast("void*") long grad();
        public native PolicyLossArgs grad(@Cast("void*") long v);
        public native long grad_stride_outer(); public native PolicyLossArgs grad_stride_outer(long v);
        public native long grad_stride_inner(); public native PolicyLossArgs grad_stride_inner(long v);
    }

    /** Mirror of {@code eapo_sample_args}, as {@link TokenStatsArgs}. */
    @Name("eapo_sample_args")
    public static final class SampleArgs extends Pointer {
        static {
            Loader.load();
        }

        /** A zeroed struct (every pointer NULL, every setting 0). */
        public SampleArgs() {
            allocate();
        }

        private native void allocate();

        public native @Cast("const void*") long logits();
        public native SampleArgs logits(@Cast("const void*") long v);
        public native int dtype(); public native SampleArgs dtype(int v);
        public native long rows_outer(); public native SampleArgs rows_outer(long v);
        public native long rows_inner(); public native SampleArgs rows_inner(long v);
        public native long stride_outer(); public native SampleArgs stride_outer(long v);
        public native long stride_inner(); public native SampleArgs stride_inner(long v);
        public native long vocab(); public native SampleArgs vocab(long v);
        public native @Cast("const int64_t*") long valid_vocab();
        public native SampleArgs valid_vocab(@Cast("const int64_t*") long v);
        public native @Cast("const double*") long uniforms();
        public native SampleArgs uniforms(@Cast("const double*") long v);
        public native double temperature(); public native SampleArgs temperature(double v);
        public native long top_k(); public native SampleArgs top_k(long v);
        public native double top_p(); public native SampleArgs top_p(double v);
        public native double min_p(); public native SampleArgs min_p(double v);
        public native @Cast("int64_t*") long ids();
        public native SampleArgs ids(@Cast("int64_t*") long v);
        public native @Cast("float*") long logp();
        public native SampleArgs logp(@Cast("float*") long v);
    }

    /** Mirror of {@code eapo_adamw_args}, as {@link TokenStatsArgs}. */
    @Name("eapo_adamw_args")
    public static final class AdamwArgs extends Pointer {
        static {
            Loader.load();
        }

        /** A zeroed struct (every pointer NULL, every hyper-parameter 0). */
        public AdamwArgs() {
            allocate();
        }

        private native void allocate();

        public native long n(); public native AdamwArgs n(long v);
        public native @Cast("void*") long param();
        public native AdamwArgs param(@Cast("void*") long v);
        public native int param_dtype(); public native AdamwArgs param_dtype(int v);
        public native @Cast("const void*") long grad();
        public native AdamwArgs grad(@Cast("const void*") long v);
        public native int grad_dtype(); public native AdamwArgs grad_dtype(int v);
        public native @Cast("void*") long exp_avg();
        public native AdamwArgs exp_avg(@Cast("void*") long v);
        public native @Cast("void*") long exp_avg_sq();
        public native AdamwArgs exp_avg_sq(@Cast("void*") long v);
        public native int state_dtype(); public native AdamwArgs state_dtype(int v);
        public native double lr(); public native AdamwArgs lr(double v);
        public native double beta1(); public native AdamwArgs beta1(double v);
        public native double beta2(); public native AdamwArgs beta2(double v);
        public native double eps(); public native AdamwArgs eps(double v);
        public native double weight_decay(); public native AdamwArgs weight_decay(double v);
        public native long step(); public native AdamwArgs step(long v);
        public native double grad_scale(); public native AdamwArgs grad_scale(double v);
    }

    /** Mirror of {@code eapo_linear_args}, as {@link TokenStatsArgs}. */
    @Name("eapo_linear_args")
    public static final class LinearArgs extends Pointer {
        static {
            Loader.load();
        }

        /** A zeroed struct (every pointer NULL). */
        public LinearArgs() {
            allocate();
        }

        private native void allocate();

        public native @Cast("const void*") long x();
        public native LinearArgs x(@Cast("const void*") long v);
        public native long m(); public native LinearArgs m(long v);
        public native long k(); public native LinearArgs k(long v);
        public native long x_row_stride(); public native LinearArgs x_row_stride(long v);
        public native @Cast("const void*") long weight();
        public native LinearArgs weight(@Cast("const void*") long v);
        public native long n(); public native LinearArgs n(long v);
        public native long w_row_stride(); public native LinearArgs w_row_stride(long v);
        public native @Cast("const void*") long bias();
        public native LinearArgs bias(@Cast("const void*") long v);
        public native @Cast("void*") long y();
        public native LinearArgs y(@Cast("void*") long v);
        public native long y_row_stride(); public native LinearArgs y_row_stride(long v);
    }

    public static native void eapo_cpu_set_num_threads(int n);

    public static native int eapo_cpu_get_num_threads();

    public static native @Cast("const char*") String eapo_cpu_simd_level();

    public static native int eapo_cpu_set_simd_level(String name);

    public static native int eapo_cuda_compiled();

    public static native int eapo_cuda_device_count();

    public static native int eapo_token_stats_cpu(@Const TokenStatsArgs args, @Cast("char*") byte[] err, int errLen);

    public static native int eapo_policy_loss_cpu(@Const PolicyLossArgs args, @Cast("char*") byte[] err, int errLen);

    public static native int eapo_sample_cpu(@Const SampleArgs args, @Cast("char*") byte[] err, int errLen);

    public static native int eapo_linear_bf16_cpu(@Const LinearArgs args, @Cast("char*") byte[] err, int errLen);

    public static native int eapo_adamw_cpu(@Const AdamwArgs args, @Cast("char*") byte[] err, int errLen);

    public static native int eapo_adamw_cuda(@Const AdamwArgs args, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_sample_cuda(@Const SampleArgs args, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_token_stats_cuda(@Const TokenStatsArgs args, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);

    public static native int eapo_policy_loss_cuda(@Const PolicyLossArgs args, @Cast("void*") long stream,
            @Cast("char*") byte[] err, int errLen);
}
