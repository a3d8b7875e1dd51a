package org.eapo4j.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The loss variants through {@link FusedLinearHead} (chunked, so each chunk gets its rows of the variant inputs):
 * against the full-logits path and against float64 autograd of the linear head followed by {@link VariantReference}.
 * Reuses {@link FusedLinearHeadTest}'s models and tolerances.
 */
class LossVariantsLinearHeadTest {
    static final int B = 5, T = 4;

    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16})
            for (VariantCases v : VariantCases.values()) out.add(Arguments.of(dt, v));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("grid")
    void variantThroughTheFusedHead(ScalarType dt, VariantCases variant) {
        try (PointerScope scope = new PointerScope()) {
            FusedLinearHeadTest.Data d = FusedLinearHeadTest.Data.random(40 + variant.ordinal(), B, T);
            FusedLinearHeadTest.Model m = new FusedLinearHeadTest.Model(d, FusedLinearHeadTest.Head.TIED, dt, false);
            VariantCases.Built c;
            try (Tensor logits = m.logits().detach()) {
                c = variant.build(logits, d.targets(), B, T, 1.2, new Random(variant.ordinal()));
            }
            FusedLinearHeadTest.Outcome got = FusedLinearHeadTest.fused(d, FusedLinearHeadTest.Head.TIED, dt, c.in(),
                    c.cfg(), FusedLinearHeadTest.chunked(3));
            FusedLinearHeadTest.compare(variant + " vs full logits", got,
                    FusedLinearHeadTest.fullLogits(d, FusedLinearHeadTest.Head.TIED, dt, c.in(), c.cfg()), dt, true);
            FusedLinearHeadTest.compare(variant + " vs float64", got, float64(d, dt, c), dt, false);
        }
    }

    /** float64 autograd of the tied head and the variant reference; padding rows' per-token values set to 0. */
    static FusedLinearHeadTest.Outcome float64(FusedLinearHeadTest.Data d, ScalarType dt, VariantCases.Built c) {
        FusedLinearHeadTest.Model m = new FusedLinearHeadTest.Model(d, FusedLinearHeadTest.Head.TIED, dt, true);
        Tensor z = m.logits().reshape(-1, FusedLinearHeadTest.V);
        Tensor rounded = z.detach().to(dt).to(ScalarType.Double);
        Tensor zr = z.add(rounded.sub(z.detach()));
        Tensor[] t = VariantReference.lossTerms(zr, d.targets(), c.in(), c.cfg(), new long[] {B, T});
        t[0].backward();
        double[] coef = FusedLinearHeadTest.vals(c.in().coefficients());
        double[] logp = FusedLinearHeadTest.vals(t[1]), ent = FusedLinearHeadTest.vals(t[2]);
        double[] tl = FusedLinearHeadTest.vals(t[3]);
        for (int i = 0; i < coef.length; i++) if (coef[i] == 0) logp[i] = ent[i] = tl[i] = 0;
        return new FusedLinearHeadTest.Outcome(t[0].item_double(), logp, ent, tl, null, Double.NaN, m.gradW(),
                m.gradP(), m.gradB());
    }
}
