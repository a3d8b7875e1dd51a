package org.eapo4j.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Scaled dot-product attention for every model of ours: LibTorch's fused attention, with bf16 / fp16 inputs on the
 * CPU computed in float32.
 *
 * <p>Why: LibTorch's CPU flash attention for bf16 / fp16 multiplies its blocks with a naive loop
 * ({@code cpublas_gemm_no_downcast}, bf16 inputs into float32 sums): forward + backward 8x slower than this path at
 * the shapes of an RL update and 5x at 1024 positions ({@code AttentionBenchmark}, docs/BENCHMARKS.md "Attention").
 * In a bf16 RL step it took more time than every linear layer together. Float32 inputs are also the more exact choice: the
 * float32 path keeps the softmax weights in float32 where the bf16 one rounds them before multiplying by V. The
 * casts are autograd ops, so gradients flow back in the inputs' dtype. CUDA keeps its own kernels (fast in bf16).
 */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {}

    /**
     * softmax(q k^T / sqrt(d) masked) v, as {@code torch.nn.functional.scaled_dot_product_attention}.
     *
     * @param q    [B, H, T, d] queries
     * @param k    [B, Hkv, S, d] keys (Hkv divides H; Hkv < H is grouped-query attention)
     * @param v    [B, Hkv, S, d] values
     * @param mask [B, 1, T, S] boolean, true where a query may attend to a key
     * @return [B, H, T, d] in q's dtype
     */
    public static Tensor compute(Tensor q, Tensor k, Tensor v, Tensor mask) {
        boolean gqa = k.size(1) != q.size(1);
        if (!upcast(q)) return sdpa(q, k, v, mask, gqa);
        torch.ScalarType f32 = torch.ScalarType.Float;
        return sdpa(q.to(f32), k.to(f32), v.to(f32), mask, gqa).to(q.scalar_type());
    }

    /** Whether {@link #compute} computes in float32 for inputs like {@code q}: reduced precision on the CPU. */
    public static boolean upcast(Tensor q) {
        torch.ScalarType t = q.scalar_type().intern();   // JavaCPP returns a fresh enum object
        return q.device().is_cpu() && (t == torch.ScalarType.BFloat16 || t == torch.ScalarType.Half);
    }

    private static Tensor sdpa(Tensor q, Tensor k, Tensor v, Tensor mask, boolean gqa) {
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(mask), 0.0, false,
                new DoubleOptional(), gqa);
    }
}
