package org.eapo4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.AdamWStep;
import org.eapo4j.kernels.FusedAdamW;

/**
 * AdamW (decoupled weight decay, applied to matrices only) whose whole state (the moments and the step count) is
 * plain named tensors that a checkpoint can save and restore bit for bit. Each step is one fused native pass per
 * parameter ({@link FusedAdamW}).
 * Also does global gradient-norm clipping. The moments are kept in the parameter's dtype (as torch.optim.AdamW) or,
 * for 16-bit parameters, in float32 ({@code float32State}): the update is then computed in float32 and rounded once
 * into the parameter, at 8 instead of 4 bytes of state per parameter.
 */
public final class AdamW {
    private final List<String> names = new ArrayList<>();
    private final List<Tensor> params = new ArrayList<>();
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    private final double beta1, beta2, eps, weightDecay;
    private long step;

    public AdamW(Map<String, Tensor> namedParams, double beta1, double beta2, double eps, double weightDecay) {
        this(namedParams, beta1, beta2, eps, weightDecay, false);
    }

    /** @param float32State keep the moments of every parameter in float32 (whatever the parameter's dtype) */
    public AdamW(Map<String, Tensor> namedParams, double beta1, double beta2, double eps, double weightDecay,
                 boolean float32State) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Tensor> e : namedParams.entrySet()) {
            names.add(e.getKey());
            Tensor p = e.getValue();
            params.add(p);
            m.add(float32State ? zerosFloat32(p) : torch.zeros_like(p));
            v.add(float32State ? zerosFloat32(p) : torch.zeros_like(p));
        }
    }

    public AdamW(Map<String, Tensor> namedParams, double weightDecay) {
        this(namedParams, 0.9, 0.99, 1e-8, weightDecay);
    }

    public AdamW(Map<String, Tensor> namedParams, double weightDecay, boolean float32State) {
        this(namedParams, 0.9, 0.99, 1e-8, weightDecay, float32State);
    }

    private static Tensor zerosFloat32(Tensor p) {
        try (TensorOptions o = new TensorOptions(ScalarType.Float); MemoryFormatOptional f = new MemoryFormatOptional()) {
            return torch.zeros_like(p, o, f);   // on the parameter's device
        }
    }

    /** Bytes of optimizer state per parameter of type {@code param}. */
    public static int stateBytesPerParameter(ScalarType param, boolean float32State) {
        return 2 * (float32State ? 4 : (int) torch.elementSize(param));
    }

    public long stepCount() {
        return step;
    }

    public void zeroGrad() {
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g.defined()) g.zero_();
        }
    }

    /** Scales the gradients so their global L2 norm is at most {@code maxNorm}; returns the norm before scaling. */
    public double clipGradNorm(double maxNorm) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector withGrad = new TensorVector();
            for (Tensor p : params) if (p.grad().defined()) withGrad.push_back(p);
            if (withGrad.size() == 0) return 0.0;
            // 0 = no clipping; LibTorch takes the bound as a float, so "no bound" is Float.MAX_VALUE
            return torch.clip_grad_norm_(withGrad, maxNorm <= 0 ? Float.MAX_VALUE : maxNorm);
        }
    }

    /**
     * One step over every parameter that has a gradient: one fused native pass per parameter
     * ({@link FusedAdamW}, CPU or CUDA), which reads the gradient and writes the parameter and its two moments once.
     * A parameter or moment that is not contiguous (a parameter that is a strided view; its moments then copy its
     * strides) takes the LibTorch op sequence instead, {@link #stepWithTensorOps}; a non-contiguous gradient is read
     * through a contiguous copy.
     */
    public void step(double lr) {
        step++;
        try (NoGradGuard ng = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor p = params.get(i), g = p.grad();
                    if (!g.defined()) continue;
                    double wd = weightDecay > 0 && p.dim() >= 2 ? weightDecay : 0.0;   // as before: <= 0 is none
                    if (fusable(p, g, m.get(i), v.get(i))) {
                        Tensor gc = g.is_contiguous() ? g : g.contiguous();
                        FusedAdamW.step(p, gc, m.get(i), v.get(i), new AdamWStep(lr, beta1, beta2, eps, wd, step));
                    } else {
                        stepWithTensorOps(p, g, m.get(i), v.get(i), lr, wd);
                    }
                }
            }
        }
    }

    /** What {@link FusedAdamW} takes: contiguous parameter and moments of float dtypes, on the parameter's device. */
    private static boolean fusable(Tensor p, Tensor g, Tensor m, Tensor v) {
        ScalarType pt = p.scalar_type().intern(), gt = g.scalar_type().intern(), st = m.scalar_type().intern();
        boolean floatParam = pt == ScalarType.Float || pt == ScalarType.BFloat16 || pt == ScalarType.Half;
        return floatParam && (gt == pt || gt == ScalarType.Float) && (st == pt || st == ScalarType.Float)
                && (p.is_cpu() || p.is_cuda()) && g.is_cuda() == p.is_cuda()
                && p.is_contiguous() && m.is_contiguous() && v.is_contiguous();
    }

    /**
     * The same step as LibTorch elementwise ops (about eight passes over memory), for tensors the fused op does not
     * take. The moments and the parameter are rounded after each op here, so in 16-bit dtypes it can differ from
     * the fused step by an ulp or two (more where a momentum and a gradient cancel).
     */
    private void stepWithTensorOps(Tensor p, Tensor g, Tensor mi, Tensor vi, double lr, double wd) {
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        if (wd > 0) p.mul_(new Scalar(1 - lr * wd));
        mi.mul_(new Scalar(beta1)).add_(g, new Scalar(1 - beta1));
        vi.mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2));
        Tensor denom = vi.div(new Scalar(bc2));
        denom.sqrt_().add_(new Scalar(eps));
        p.addcdiv_(mi, denom, new Scalar(-lr / bc1));
    }

    /** The moments as named tensors ("m." / "v." + parameter name); handles onto the live state. */
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put("m." + names.get(i), m.get(i));
            out.put("v." + names.get(i), v.get(i));
        }
        return out;
    }

    public void restoreStep(long s) {
        step = s;
    }
}
