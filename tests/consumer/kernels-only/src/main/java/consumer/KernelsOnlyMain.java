package consumer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.KernelScope;
import org.eapo4j.kernels.LibTorchComposite;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * What a kernels-only user sees: the runtime class path holds eapo4j-kernels, JavaCPP, PyTorch and OpenBLAS only,
 * and both kernels run from the installed jar and agree with LibTorch. Exits 1 with the reason otherwise.
 */
public final class KernelsOnlyMain {
    public static void main(String[] args) throws Exception {
        List<String> bad = new ArrayList<>();
        String classpath = Files.readString(Path.of(args[0])).trim();
        for (String entry : classpath.split(File.pathSeparator)) {
            String p = entry.replace('\\', '/');
            boolean ok = p.contains("/org/bytedeco/javacpp/") || p.contains("/org/bytedeco/pytorch/")
                    || p.contains("/org/bytedeco/openblas/") || p.contains("/org/eapo4j/eapo4j-kernels/");
            if (!ok) bad.add(entry);
        }
        if (!bad.isEmpty()) fail("unexpected runtime dependencies of eapo4j-kernels: " + bad);
        System.out.println("runtime class path: " + classpath.split(File.pathSeparator).length
                + " jars, JavaCPP/PyTorch/OpenBLAS and eapo4j-kernels only");

        int n = 64, v = 1000;
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(7);
            float[] z = new float[n * v];
            for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
            long[] y = new long[n];
            float[] adv = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextInt(v);
                adv[i] = (float) rng.nextGaussian();
            }
            Tensor logits = HostTensors.fromFloats(z, n, v);
            Tensor targets = HostTensors.fromLongs(y, n);
            TokenStats kept;
            // The KernelScope owns every result the kernels return inside it; LibTorchComposite's are closed here.
            try (KernelScope kernelResults = new KernelScope();
                 TokenStats ref = LibTorchComposite.tokenStats(logits, targets, 1.0)) {
                TokenStats st = FusedKernels.tokenStats(logits, targets, 1.0);
                kept = st;
                check("token log-probs", st.logProbs(), ref.logProbs());
                check("token entropy", st.entropy(), ref.entropy());
                PolicyLossInputs in = new PolicyLossInputs(st.logProbs(), null, HostTensors.fromFloats(adv, n),
                        HostTensors.full(1f, n), LossAggregation.TOKEN_MEAN.coefficients(HostTensors.full(1f, 1, n)).reshape(n));
                PolicyLossConfig cfg = PolicyLossConfig.builder().clipHigh(0.28).entropyCoef(0.01).build();
                {
                    PolicyLossResult r = FusedKernels.policyLoss(logits, targets, in, cfg);
                    Tensor[] lossAndGrad = LibTorchComposite.policyLossWithGrad(logits, targets, in, cfg);
                    double want = lossAndGrad[0].item_double();
                    if (Math.abs(r.loss() - want) > 1e-5 * Math.max(1, Math.abs(want)))
                        fail("policy loss " + r.loss() + " != LibTorch " + want);
                    check("dL/dlogits", r.gradLogits(), lossAndGrad[1]);
                    System.out.printf("kernels OK: policy loss %.6f (LibTorch %.6f)%n", r.loss(), want);
                }
            }
            if (!kept.logProbs().isNull()) fail("the KernelScope did not free the token statistics it owned");
        }
    }

    private static void check(String what, Tensor got, Tensor want) {
        float[] a = HostTensors.toFloats(got), b = HostTensors.toFloats(want);
        for (int i = 0; i < a.length; i++)
            if (!(Math.abs(a[i] - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])))) fail(what + "[" + i + "] " + a[i] + " != " + b[i]);
    }

    private static void fail(String message) {
        System.err.println("consumer check failed: " + message);
        System.exit(1);
    }
}
