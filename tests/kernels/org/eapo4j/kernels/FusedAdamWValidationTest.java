package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.nativelib.EapoNative;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments of {@link FusedAdamW#step} and {@link AdamWStep}: each is an {@link IllegalArgumentException} that
 * names the argument, thrown before any native call; and the C API's own checks (EAPO_EINVAL with a message, never a
 * crash) for what reaches it directly.
 */
class FusedAdamWValidationTest {
    private PointerScope scope;
    private Tensor p, g, m, v;
    private final AdamWStep hyper = new AdamWStep(1e-3, 0.9, 0.999, 1e-8, 0.1, 1);

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        p = HostTensors.full(1f, 4, 6);
        g = HostTensors.full(0.1f, 4, 6);
        m = HostTensors.full(0f, 4, 6);
        v = HostTensors.full(0f, 4, 6);
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static void rejects(String mustName, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(mustName), "message should name " + mustName + ": " + e.getMessage());
    }

    @Test
    void hyperParameters() {
        rejects("lr", () -> new AdamWStep(-1e-3, 0.9, 0.999, 1e-8, 0, 1));
        rejects("lr", () -> new AdamWStep(Double.NaN, 0.9, 0.999, 1e-8, 0, 1));
        rejects("beta1", () -> new AdamWStep(1e-3, 1.0, 0.999, 1e-8, 0, 1));
        rejects("beta1", () -> new AdamWStep(1e-3, -0.1, 0.999, 1e-8, 0, 1));
        rejects("beta2", () -> new AdamWStep(1e-3, 0.9, Double.NaN, 1e-8, 0, 1));
        rejects("eps", () -> new AdamWStep(1e-3, 0.9, 0.999, 0, 0, 1));
        rejects("eps", () -> new AdamWStep(1e-3, 0.9, 0.999, Double.POSITIVE_INFINITY, 0, 1));
        rejects("weightDecay", () -> new AdamWStep(1e-3, 0.9, 0.999, 1e-8, -0.1, 1));
        rejects("step", () -> new AdamWStep(1e-3, 0.9, 0.999, 1e-8, 0, 0));
        rejects("gradScale", () -> new AdamWStep(1e-3, 0.9, 0.999, 1e-8, 0, 1, 0));
        rejects("gradScale", () -> new AdamWStep(1e-3, 0.9, 0.999, 1e-8, 0, 1, Double.POSITIVE_INFINITY));
        rejects("hyper", () -> FusedAdamW.step(p, g, m, v, null));
    }

    @Test
    void tensors() {
        rejects("param", () -> FusedAdamW.step(new Tensor(), g, m, v, hyper));
        rejects("expAvgSq", () -> FusedAdamW.step(p, g, m, null, hyper));
        rejects("param must be contiguous", () -> FusedAdamW.step(p.t(), g, m, v, hyper));
        rejects("grad must be contiguous", () -> FusedAdamW.step(p, HostTensors.full(0.1f, 6, 4).t(), m, v, hyper));
        rejects("expAvg has 23 elements", () -> FusedAdamW.step(p, g, HostTensors.full(0f, 23), v, hyper));
        rejects("param must be float32, bfloat16 or float16",
                () -> FusedAdamW.step(p.to(ScalarType.Double), g, m, v, hyper));
        rejects("grad must have the param's dtype",
                () -> FusedAdamW.step(p, g.to(ScalarType.BFloat16), m, v, hyper));
        Tensor pb = p.to(ScalarType.BFloat16);
        rejects("grad must have the param's dtype", () -> FusedAdamW.step(pb, g.to(ScalarType.Half), m, v, hyper));
        rejects("expAvg must have the param's dtype",
                () -> FusedAdamW.step(pb, g, m.to(ScalarType.Half), v.to(ScalarType.Half), hyper));
        rejects("expAvgSq must have expAvg's dtype", () -> FusedAdamW.step(pb, g, m, v.to(ScalarType.BFloat16), hyper));
        rejects("expAvg overlaps the memory of expAvgSq", () -> FusedAdamW.step(p, g, m, m, hyper));
        rejects("param overlaps the memory of grad", () -> FusedAdamW.step(p, p.view(24), m, v, hyper));
        float[] before = HostTensors.toFloats(p);
        rejects("param", () -> FusedAdamW.step(p.t(), g, m, v, hyper));
        assertEquals(before[0], HostTensors.toFloats(p)[0], "a refused call must not write");
    }

    /** What reaches the C API without the Java checks: EAPO_EINVAL and a message, never a crash or a write. */
    @Test
    void nativeChecks() {
        try (EapoNative.AdamwArgs a = new EapoNative.AdamwArgs()) {
            assertNative("must", a);   // a zeroed struct (eps 0, step 0, grad_scale 0) is refused
            valid(a).grad_scale(0);
            assertNative("grad_scale", a);   // 0 would silently drop the gradient: a forgotten field, not a choice
            valid(a);
            assertEquals(EapoNative.EAPO_OK, call(a)[0]);
            valid(a).n(-1);
            assertNative("n must be >= 0", a);
            valid(a).param(0);
            assertNative("must not be NULL", a);
            valid(a).exp_avg(FusedKernels.address(p));
            assertNative("overlaps", a);
            valid(a).lr(Double.NaN);
            assertNative("lr", a);
            valid(a).eps(0);
            assertNative("eps", a);
            valid(a).step(0);
            assertNative("step", a);
            valid(a).param_dtype(7);
            assertNative("param_dtype", a);
            valid(a).grad_dtype(EapoNative.EAPO_BF16);
            assertNative("grad_dtype", a);
            valid(a).param(FusedKernels.address(p) + 1);
            assertNative("aligned", a);
        }
    }

    private EapoNative.AdamwArgs valid(EapoNative.AdamwArgs a) {
        return a.n(p.numel()).param(FusedKernels.address(p)).param_dtype(EapoNative.EAPO_F32)
                .grad(FusedKernels.address(g)).grad_dtype(EapoNative.EAPO_F32).exp_avg(FusedKernels.address(m))
                .exp_avg_sq(FusedKernels.address(v)).state_dtype(EapoNative.EAPO_F32).lr(1e-3).beta1(0.9)
                .beta2(0.999).eps(1e-8).weight_decay(0).step(1).grad_scale(1);
    }

    private static Object[] call(EapoNative.AdamwArgs a) {
        byte[] err = new byte[256];
        int st = EapoNative.eapo_adamw_cpu(a, err, err.length);
        int len = 0;
        while (len < err.length && err[len] != 0) len++;
        return new Object[] {st, new String(err, 0, len, StandardCharsets.UTF_8)};
    }

    private static void assertNative(String mustName, EapoNative.AdamwArgs a) {
        Object[] r = call(a);
        assertEquals(EapoNative.EAPO_EINVAL, r[0], "status for " + mustName + ": " + r[1]);
        assertTrue(((String) r[1]).contains(mustName), "message should name " + mustName + ": " + r[1]);
    }
}
