package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.eapo4j.kernels.KernelTestData.maxAbs;
import static org.eapo4j.kernels.KernelTestData.storageRtol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA path of the facade: CUDA tensors run the CUDA kernels on LibTorch's current stream and agree with the CPU
 * kernels. Needs a CUDA device, the CUDA kernels in the native library and a CUDA build of LibTorch; skipped with
 * the reason otherwise (the default dependency is the CPU LibTorch).
 */
class FusedKernelsCudaTest {

    static String whyNoCuda() {
        if (!FusedKernels.cudaAvailable()) return "no CUDA device, or eapo4j built without CUDA";
        try {
            if (!torch.cuda_is_available()) return "this LibTorch build has no CUDA (org.bytedeco:pytorch CPU jar)";
        } catch (Throwable t) {
            return "LibTorch CUDA is not loadable: " + t;
        }
        return null;
    }

    @BeforeEach
    void requireCuda() {
        String why = whyNoCuda();
        assumeTrue(why == null, () -> "skipped: " + why);
    }

    /** The fused AdamW step on CUDA tensors gives the CPU kernel's bits (same float32 operations, no FMA). */
    @Test
    void fusedAdamWOnCudaTensorsMatchesTheCpuBitForBit() {
        try (PointerScope scope = new PointerScope(); Device cuda = new Device("cuda:0")) {
            ScalarType[][] combos = {{ScalarType.Float, ScalarType.Float}, {ScalarType.BFloat16, ScalarType.Float},
                {ScalarType.BFloat16, ScalarType.BFloat16}, {ScalarType.Half, ScalarType.Float}};
            for (ScalarType[] c : combos) {
                Random rng = new Random(3);
                int n = 100003;
                float[] p0 = new float[n], g0 = new float[n];
                for (int i = 0; i < n; i++) {
                    p0[i] = (float) rng.nextGaussian();
                    g0[i] = (float) (rng.nextGaussian() * 1e-2);
                }
                Tensor p = HostTensors.fromFloats(p0, n).to(c[0]);
                Tensor g = HostTensors.fromFloats(g0, n).to(c[0]);
                Tensor m = torch.zeros_like(p).to(c[1]), v = torch.zeros_like(p).to(c[1]);
                Tensor pg = p.to(cuda, c[0]), gg = g.to(cuda, c[0]), mg = m.to(cuda, c[1]), vg = v.to(cuda, c[1]);
                for (int step = 1; step <= 3; step++) {
                    AdamWStep h = new AdamWStep(1e-3, 0.9, 0.999, 1e-8, 0.1, step, 0.5);
                    FusedAdamW.step(p, g, m, v, h);
                    FusedAdamW.step(pg, gg, mg, vg, h);
                }
                String what = c[0] + " param, " + c[1] + " state";
                assertTrue(torch.equal(p, pg.cpu()), what + ": param differs");
                assertTrue(torch.equal(m, mg.cpu()), what + ": expAvg differs");
                assertTrue(torch.equal(v, vg.cpu()), what + ": expAvgSq differs");
            }
        }
    }

    @Test
    void cudaTensorsMatchTheCpuKernels() {
        try (PointerScope scope = new PointerScope(); Device cuda = new Device("cuda:0")) {
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
                Random rng = new Random(dt.ordinal());
                Tensor logits = KernelTestData.logits(rng, dt, 2.0, 4, 33, 32000);
                Tensor y = KernelTestData.targets(rng, 32000, 4, 33);
                PolicyLossConfig cfg = FusedKernelsTest.fullConfig();
                PolicyLossInputs in = FusedKernelsTest.inputs(logits, y, cfg.temperature(), rng);
                PolicyLossResult cpu = FusedKernels.policyLoss(logits, y, in, cfg);
                PolicyLossInputs gin = new PolicyLossInputs(in.oldLogProbs().to(cuda, ScalarType.Float),
                        in.refLogProbs().to(cuda, ScalarType.Float), in.advantages().to(cuda, ScalarType.Float),
                        in.weights().to(cuda, ScalarType.Float), in.coefficients().to(cuda, ScalarType.Float));
                PolicyLossResult gpu = FusedKernels.policyLoss(logits.to(cuda, dt), y.to(cuda, ScalarType.Long), gin, cfg);
                double[] want = AutogradReference.doubles(cpu.gradLogits());
                assertClose("grad " + dt, AutogradReference.doubles(gpu.gradLogits()), want,
                        2e-5 * maxAbs(want), 2 * storageRtol(dt));
                assertEquals(cpu.loss(), gpu.loss(), 1e-5 * (1 + Math.abs(cpu.loss())));
                assertEquals(cpu.clipFraction(), gpu.clipFraction(), 1e-12);
                assertClose("klPerToken " + dt, AutogradReference.doubles(gpu.klPerToken()),
                        AutogradReference.doubles(cpu.klPerToken()), 5e-5, 2e-5);
                TokenStats a = FusedKernels.tokenStats(logits, y, 0.8);
                TokenStats b = FusedKernels.tokenStats(logits.to(cuda, dt), y.to(cuda, ScalarType.Long), 0.8);
                assertClose("logp " + dt, AutogradReference.doubles(b.logProbs()), AutogradReference.doubles(a.logProbs()),
                        5e-5, 2e-5);
                assertClose("entropy " + dt, AutogradReference.doubles(b.entropy()),
                        AutogradReference.doubles(a.entropy()), 5e-5, 2e-5);
            }
        }
    }

    /** Every loss variant (docs/LOSS_VARIANTS.md) on CUDA tensors agrees with the CPU kernels, flags included. */
    @Test
    void lossVariantsMatchTheCpuKernels() {
        try (PointerScope scope = new PointerScope(); Device cuda = new Device("cuda:0")) {
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16})
                for (VariantCases v : VariantCases.values()) {
                    Random rng = new Random(v.ordinal());
                    Tensor logits = KernelTestData.logits(rng, dt, 2.0, 5, 6, 32000);
                    Tensor y = KernelTestData.targets(rng, 32000, 5, 6);
                    VariantCases.Built c = v.build(logits, y, 5, 6, 1.1, rng);
                    PolicyLossInputs in = c.in();
                    PolicyLossInputs gin = new PolicyLossInputs(onDevice(in.oldLogProbs(), cuda),
                            onDevice(in.refLogProbs(), cuda), onDevice(in.advantages(), cuda),
                            onDevice(in.weights(), cuda), onDevice(in.coefficients(), cuda),
                            onDevice(in.seqLogRatio(), cuda), onDevice(in.pgKeep(), cuda),
                            onDevice(in.absKlCoef(), cuda));
                    PolicyLossResult cpu = FusedKernels.policyLoss(logits, y, in, c.cfg());
                    PolicyLossResult gpu = FusedKernels.policyLoss(logits.to(cuda, dt), y.to(cuda, ScalarType.Long),
                            gin, c.cfg());
                    double[] want = AutogradReference.doubles(cpu.gradLogits());
                    assertClose(v + " grad " + dt, AutogradReference.doubles(gpu.gradLogits()), want,
                            2e-5 * maxAbs(want), 2 * storageRtol(dt));
                    assertEquals(cpu.loss(), gpu.loss(), 1e-5 * (1 + Math.abs(cpu.loss())), v + " loss");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(
                            org.eapo4j.tensors.HostTensors.toBytes(cpu.clippedFlags()),
                            org.eapo4j.tensors.HostTensors.toBytes(gpu.clippedFlags()), v + " flags");
                }
        }
    }

    private static Tensor onDevice(Tensor t, Device d) {
        return t == null ? null : t.to(d, t.scalar_type());
    }

    @Test
    void mixedDevicesAreRejected() {
        try (PointerScope scope = new PointerScope(); Device cuda = new Device("cuda:0")) {
            Random rng = new Random(1);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 1.0, 4, 10).to(cuda, ScalarType.Float);
            Tensor y = KernelTestData.targets(rng, 10, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FusedKernels.tokenStats(logits, y, 1.0));
            assertEquals(true, e.getMessage().contains("share one device"), e.getMessage());
        }
    }
}
