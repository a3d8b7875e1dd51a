package org.eapo4j.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.QaDataset;
import org.eapo4j.data.QaItem;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.Generation;
import org.eapo4j.model.Generator;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.rl.Advantages;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.WeightingSchedule;
import org.eapo4j.rl.Weightings;
import org.eapo4j.tensors.HostTensors;

/**
 * One training run in one output folder: a supervised warm-up (teacher forcing on the reference answers) that stands
 * in for a pretrained model, then RL steps (sample G answers per prompt, grade them, group advantages, weights from
 * the schedule, policy update), with held-out evaluation, metrics.jsonl, plots and a checkpoint every few steps.
 *
 * <p>All randomness is a function of (seed, step): the questions of a step, the sampled tokens and the minibatch
 * order. A run resumed from its checkpoint therefore repeats exactly what the uninterrupted run would have done.
 */
public final class Trainer implements AutoCloseable {
    public static final String CHECKPOINT = "checkpoint.bin";
    public static final String METRICS = "metrics.jsonl";
    static final ObjectMapper JSON = new ObjectMapper();

    // RNG streams of Sampler.rng(seed, step, stream)
    private static final int S_PROMPTS = 1, S_SAMPLE = 2, S_WARMUP = 3, S_EVAL = 4, S_MINIBATCH = 5;

    private final TrainConfig cfg;
    private final Path outDir;
    private final QaDataset train, heldout;
    private final WordTokenizer tok;
    private final KeyPointReward reward = new KeyPointReward();
    private final TransformerLM model;
    private TransformerLM reference;
    private AdamW opt;
    private final WeightingSchedule schedule;
    private final Evaluator evaluator;
    private MetricsLog log;
    private int warmupStep, rlStep;
    private boolean warmupDone;
    private Consumer<String> console = s -> {};

    private Trainer(TrainConfig cfg, Path outDir, WordTokenizer tok) {
        cfg.validate();
        this.cfg = cfg;
        this.outDir = outDir;
        if (cfg.threads > 0) {
            torch.set_num_threads(cfg.threads);
            FusedKernels.setNumThreads(cfg.threads);
        }
        train = QaDataset.load(cfg.trainData);
        heldout = QaDataset.load(cfg.heldoutData);
        this.tok = tok != null ? tok : WordTokenizer.build(List.of(train, heldout));
        torch.manual_seed(cfg.seed);
        model = new TransformerLM(new ModelConfig(this.tok.size(), cfg.dModel, cfg.layers, cfg.heads, cfg.dFf,
                cfg.maxLen));
        schedule = Weightings.parse(cfg.weighting, cfg.eapoConfig());
        evaluator = new Evaluator(this.tok, reward);
        opt = new AdamW(model.namedParameters(), cfg.weightDecay);
    }

    /** A fresh run in {@code outDir}, or the run already there resumed from its checkpoint. */
    public static Trainer open(TrainConfig cfg, Path outDir) {
        Path ck = outDir.resolve(CHECKPOINT);
        if (Files.exists(ck)) return resume(outDir);
        Trainer t = new Trainer(cfg, outDir, null);
        t.startFreshLog();
        t.writeConfig();
        return t;
    }

    /** Continues the run in {@code outDir} from its checkpoint, with the configuration stored there. */
    public static Trainer resume(Path outDir) {
        return resume(outDir, null);
    }

    /** As {@link #resume(Path)}, optionally raising the number of RL steps. */
    public static Trainer resume(Path outDir, Integer steps) {
        Checkpoint ck = Checkpoint.read(outDir.resolve(CHECKPOINT));
        TrainConfig cfg = JSON.convertValue(ck.header.get("config"), TrainConfig.class);
        if (steps != null) cfg.steps = steps;
        Trainer t = new Trainer(cfg, outDir, tokenizerOf(ck));
        t.restore(ck);
        MetricsLog.truncateAfter(outDir.resolve(METRICS), t.warmupStep, t.rlStep);
        t.log = new MetricsLog(outDir.resolve(METRICS));
        return t;
    }

    /**
     * A fresh run whose policy (and tokenizer) is the warm-up result stored in {@code warmupCheckpoint}: no warm-up
     * of its own. The comparison grid uses this so that every weighting of a seed starts from the same policy.
     */
    public static Trainer fromWarmup(TrainConfig cfg, Path outDir, Path warmupCheckpoint) {
        Checkpoint ck = Checkpoint.read(warmupCheckpoint);
        Trainer t = new Trainer(cfg, outDir, tokenizerOf(ck));
        ck.loadInto("model.", t.model.namedParameters());
        t.warmupDone = true;
        t.warmupStep = ck.header.path("warmupStep").asInt();
        t.startFreshLog();
        t.writeConfig();
        if (cfg.klBeta > 0) t.reference = t.model.frozenCopy();
        return t;
    }

    /** The policy stored in a checkpoint file, for evaluation (no metrics log). */
    public static Trainer load(Path checkpointFile) {
        Checkpoint ck = Checkpoint.read(checkpointFile);
        TrainConfig cfg = JSON.convertValue(ck.header.get("config"), TrainConfig.class);
        Trainer t = new Trainer(cfg, checkpointFile.toAbsolutePath().getParent(), tokenizerOf(ck));
        t.restore(ck);
        return t;
    }

    /** Evaluates the current policy on {@code data} (first {@code questions} items, 0 = all), G answers each. */
    public Map<String, Object> evaluateOn(QaDataset data, int questions, int samples, SamplingConfig sampling,
                                          long seed) {
        List<QaItem> items = data.items();
        if (questions > 0 && questions < items.size()) items = items.subList(0, questions);
        Generator gen = new Generator(model, WordTokenizer.EOA_ID, WordTokenizer.PAD_ID);
        Evaluator.Result r = evaluator.evaluate(gen, items, samples, sampling, Sampler.rng(seed, 0, S_EVAL));
        Map<String, Object> m = new LinkedHashMap<>(r.metrics());
        m.put("examples", r.samples());
        return m;
    }

    /** A run without a checkpoint starts over: metric lines of an earlier, uncheckpointed attempt are dropped. */
    private void startFreshLog() {
        try {
            Files.deleteIfExists(outDir.resolve(METRICS));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        log = new MetricsLog(outDir.resolve(METRICS));
    }

    private static WordTokenizer tokenizerOf(Checkpoint ck) {
        List<String> vocab = new ArrayList<>();
        for (JsonNode n : ck.header.get("vocab")) vocab.add(n.asText());
        return new WordTokenizer(vocab);
    }

    private void writeConfig() {
        try {
            Files.createDirectories(outDir);
            JSON.writerWithDefaultPrettyPrinter().writeValue(outDir.resolve("config.json").toFile(), cfg);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public void setConsole(Consumer<String> console) {
        this.console = console;
    }

    public TrainConfig config() {
        return cfg;
    }

    public Path outDir() {
        return outDir;
    }

    public TransformerLM model() {
        return model;
    }

    public WordTokenizer tokenizer() {
        return tok;
    }

    public WeightingSchedule schedule() {
        return schedule;
    }

    public int currentStep() {
        return rlStep;
    }

    public boolean warmupDone() {
        return warmupDone;
    }

    public QaDataset trainData() {
        return train;
    }

    public QaDataset heldoutData() {
        return heldout;
    }

    public KeyPointReward reward() {
        return reward;
    }

    // ---------------------------------------------------------------- warm-up

    /**
     * One teacher-forcing step on a batch of reference answers. The logged cross-entropy comes from the
     * token-statistics kernel; the gradient of -mean log p comes from the policy-loss kernel with old = logp (ratio 1),
     * A = 1, w = 1 and token-mean coefficients, whose dL/dlogp is then exactly -c_t.
     */
    public Map<String, Object> warmupStep() {
        long t0 = System.nanoTime();
        SplittableRandom rng = Sampler.rng(cfg.seed, warmupStep, S_WARMUP);
        int n = Math.min(cfg.warmupBatch, train.size());
        int[][] prompts = new int[n][], answers = new int[n][];
        for (int i = 0; i < n; i++) {
            QaItem it = train.items().get(rng.nextInt(train.size()));
            prompts[i] = tok.encodePrompt(it.question());
            answers[i] = tok.encodeAnswer(it.referenceAnswer());
        }
        SequenceBatch batch = new SequenceBatch(prompts, answers, WordTokenizer.PAD_ID);
        double ce, gradNorm;
        try (PointerScope scope = new PointerScope()) {
            opt.zeroGrad();
            Tensor logits = batch.responseLogits(model);
            Tensor y = batch.targetTensor();
            float[] logp;
            try (Tensor detached = logits.detach(); TokenStats st = FusedKernels.tokenStats(detached, y, 1.0)) {
                logp = HostTensors.toFloats(st.logProbs());
            }
            ce = -batch.maskedMean(logp);
            float[] ones = new float[batch.rows * batch.tr];
            java.util.Arrays.fill(ones, 1f);
            float[] c = LossAggregation.TOKEN_MEAN.coefficients(batch.mask, batch.rows, batch.tr, batch.tr);
            PolicyLossInputs in = new PolicyLossInputs(batch.perToken(logp), null, batch.perToken(ones),
                    batch.perToken(ones), batch.perToken(c));
            try (PolicyLossResult res = FusedKernels.policyLoss(logits, y, in, PolicyLossConfig.DEFAULT)) {
                logits.backward(res.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            }
            gradNorm = opt.clipGradNorm(cfg.maxGradNorm);
            opt.step(cfg.warmupLr * warmupLrScale());
        }
        warmupStep++;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "warmup");
        m.put("step", warmupStep);
        m.put("cross_entropy", ce);
        m.put("grad_norm", gradNorm);
        m.put("step_time_s", (System.nanoTime() - t0) / 1e9);
        if (log != null) log.write(m);
        return m;
    }

    /** Cosine decay to 10% over the warm-up. */
    private double warmupLrScale() {
        double p = cfg.warmupSteps <= 1 ? 0 : (double) warmupStep / (cfg.warmupSteps - 1);
        return 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p)));
    }

    /** Ends the warm-up: fresh optimizer state for RL, the frozen reference, a checkpoint. */
    public void finishWarmup() {
        warmupDone = true;
        opt = new AdamW(model.namedParameters(), cfg.weightDecay);
        if (cfg.klBeta > 0) reference = model.frozenCopy();
        saveCheckpoint();
    }

    // ---------------------------------------------------------------- RL

    /** One RL step (rollouts, rewards, advantages, weights, update); returns and logs its metrics. */
    public Map<String, Object> trainStep() {
        if (!warmupDone) throw new IllegalStateException("warm-up not finished");
        long t0 = System.nanoTime();
        int step = rlStep + 1;
        SplittableRandom pr = Sampler.rng(cfg.seed, step, S_PROMPTS);
        int pool = cfg.rlQuestions > 0 ? Math.min(cfg.rlQuestions, train.size()) : train.size();
        int g = cfg.groupSize, nq = Math.min(cfg.promptsPerStep, pool);
        int[] order = PolicyUpdate.permutation(pool, pr);
        List<QaItem> qs = new ArrayList<>();
        int[][] prompts = new int[nq * g][];
        for (int q = 0; q < nq; q++) {
            QaItem it = train.items().get(order[q]);
            qs.add(it);
            int[] p = tok.encodePrompt(it.question());
            for (int j = 0; j < g; j++) prompts[q * g + j] = p;
        }
        Generator gen = new Generator(model, WordTokenizer.EOA_ID, WordTokenizer.PAD_ID);
        Generation out = gen.generate(prompts, sampling(), Sampler.rng(cfg.seed, step, S_SAMPLE));
        long tGen = System.nanoTime();

        double[] r = new double[nq * g];
        double cov = 0, trunc = 0, len = 0;
        for (int i = 0; i < r.length; i++) {
            KeyPointReward.Score s = reward.score(qs.get(i / g), tok.decode(out.responses()[i]), out.terminated()[i]);
            r[i] = s.reward();
            cov += s.coverage();
            trunc += out.terminated()[i] ? 0 : 1;
            len += out.responses()[i].length;
        }
        double[] adv = Advantages.compute(r, g, cfg.stdScale);
        Advantages.Sign[] signs = Advantages.split(r, g);

        long tReward = System.nanoTime();
        SequenceBatch batch = new SequenceBatch(prompts, out.responses(), WordTokenizer.PAD_ID);
        float[][] oldStats = batch.tokenStats(model, cfg.temperature);   // old-policy pass: log-probs and H
        double ht = batch.maskedMean(oldStats[1]);
        float[] refLogp = reference == null ? null : batch.tokenStats(reference, cfg.temperature)[0];
        WeightingSchedule.Weights w = schedule.next(ht);
        double[] weights = Advantages.weights(signs, w.lambdaPos(), w.lambdaNeg());

        long tOld = System.nanoTime();
        PolicyUpdate.Stats st = PolicyUpdate.run(model, opt, batch, oldStats[0], refLogp, adv, weights,
                cfg.updateConfig(), Sampler.rng(cfg.seed, step, S_MINIBATCH));
        rlStep = step;
        long tUpdate = System.nanoTime();

        int pos = 0, neg = 0, neu = 0;
        for (Advantages.Sign s : signs)
            switch (s) {
                case POSITIVE -> pos++;
                case NEGATIVE -> neg++;
                default -> neu++;
            }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "rl");
        m.put("step", step);
        m.put("reward_mean", mean(r));
        m.put("reward_std", std(r));
        m.put("coverage", cov / r.length);
        m.put("entropy_ht", ht);
        m.put("h0", schedule instanceof EapoWeighting e ? e.h0() : Double.NaN);
        m.put("lambda_pos", w.lambdaPos());
        m.put("lambda_neg", w.lambdaNeg());
        m.put("frac_pos", (double) pos / r.length);
        m.put("frac_neg", (double) neg / r.length);
        m.put("frac_neutral", (double) neu / r.length);
        m.put("loss", st.loss());
        m.put("clip_frac", st.clipFraction());
        m.put("kl", st.kl());
        m.put("entropy_update", st.entropy());
        m.put("response_len", len / r.length);
        m.put("truncated_frac", trunc / r.length);
        m.put("grad_norm", st.gradNorm());
        m.put("gen_time_s", (tGen - t0) / 1e9);                 // rollout: sampling with the KV cache
        m.put("reward_time_s", (tReward - tGen) / 1e9);         // grading and advantages
        m.put("old_pass_time_s", (tOld - tReward) / 1e9);       // old-policy (and reference) token statistics
        m.put("update_time_s", (tUpdate - tOld) / 1e9);         // epochs x minibatches of fused loss + backward + AdamW
        m.put("step_time_s", (System.nanoTime() - t0) / 1e9);
        m.values().removeIf(v -> v instanceof Double d && d.isNaN());
        if (log != null) log.write(m);
        return m;
    }

    public SamplingConfig sampling() {
        return new SamplingConfig(cfg.temperature, cfg.topK, cfg.topP, cfg.maxNewTokens);
    }

    /** Held-out (and a fixed train subset) evaluation of the current policy, logged with the given label. */
    public Map<String, Object> evaluate(String policy) {
        long t0 = System.nanoTime();
        Generator gen = new Generator(model, WordTokenizer.EOA_ID, WordTokenizer.PAD_ID);
        List<QaItem> ho = heldout.items();
        if (cfg.evalQuestions > 0 && cfg.evalQuestions < ho.size()) ho = ho.subList(0, cfg.evalQuestions);
        List<QaItem> tr = train.items().subList(0, Math.min(cfg.trainEvalQuestions, train.size()));
        int evalStep = "init".equals(policy) ? -1 : rlStep;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "eval");
        m.put("step", evalStep);
        m.put("policy", policy);
        Evaluator.Result h = evaluator.evaluate(gen, ho, cfg.evalSamples, sampling(),
                Sampler.rng(cfg.seed, 1000003L + evalStep, S_EVAL));
        h.metrics().forEach((k, v) -> m.put("heldout_" + k, v));
        if (!tr.isEmpty()) {
            Evaluator.Result t = evaluator.evaluate(gen, tr, cfg.evalSamples, sampling(),
                    Sampler.rng(cfg.seed, 2000003L + evalStep, S_EVAL));
            t.metrics().forEach((k, v) -> m.put("train_" + k, v));
        }
        m.put("eval_time_s", (System.nanoTime() - t0) / 1e9);
        m.put("example", h.samples().isEmpty() ? "" : h.samples().get(0));
        if (log != null) log.write(m);
        return m;
    }

    // ---------------------------------------------------------------- checkpoints

    public Path checkpointPath() {
        return outDir.resolve(CHECKPOINT);
    }

    public void saveCheckpoint() {
        saveCheckpoint(checkpointPath());
    }

    public void saveCheckpoint(Path file) {
        ObjectNode h = JSON.createObjectNode();
        h.set("config", JSON.valueToTree(cfg));
        h.set("vocab", JSON.valueToTree(tok.vocabulary()));
        h.put("warmupStep", warmupStep);
        h.put("warmupDone", warmupDone);
        h.put("rlStep", rlStep);
        h.put("optimizerStep", opt.stepCount());
        h.put("weighting", schedule.name());
        ObjectNode s = h.putObject("schedule");
        schedule.state().forEach((k, v) -> {
            if (Double.isNaN(v)) s.putNull(k);
            else s.put(k, v);
        });
        if (schedule instanceof EapoWeighting e && !Double.isNaN(e.h0())) h.put("h0", e.h0());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> tensors.put("model." + k, v));
        opt.stateTensors().forEach((k, v) -> tensors.put("adamw." + k, v));
        if (reference != null) reference.namedParameters().forEach((k, v) -> tensors.put("ref." + k, v));
        Checkpoint.write(file, h, tensors);
    }

    private void restore(Checkpoint ck) {
        ck.loadInto("model.", model.namedParameters());
        warmupStep = ck.header.path("warmupStep").asInt();
        warmupDone = ck.header.path("warmupDone").asBoolean();
        rlStep = ck.header.path("rlStep").asInt();
        ck.loadInto("adamw.", opt.stateTensors());
        opt.restoreStep(ck.header.path("optimizerStep").asLong());
        Map<String, Double> s = new HashMap<>();
        ck.header.path("schedule").fields().forEachRemaining(
                e -> s.put(e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble()));
        schedule.restore(s);
        if (cfg.klBeta > 0 && warmupDone) {
            reference = model.frozenCopy();
            if (ck.has("ref.tok.weight")) ck.loadInto("ref.", reference.namedParameters());
        }
    }

    @Override
    public void close() {
        if (log != null) log.close();
        log = null;
    }

    // ---------------------------------------------------------------- helpers

    static double mean(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return s / a.length;
    }

    static double std(double[] a) {
        double m = mean(a), s = 0;
        for (double v : a) s += (v - m) * (v - m);
        return Math.sqrt(s / a.length);
    }

    public Path metricsPath() {
        return outDir.resolve(METRICS);
    }

    public void log(String line) {
        console.accept(line);
    }
}
