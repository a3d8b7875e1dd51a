package org.eapo4j.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.Generation;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.reward.GroupRewardFunction;
import org.eapo4j.reward.RewardBreakdown;
import org.eapo4j.reward.RewardFunction;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.Sample;
import org.eapo4j.rl.Collectives;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.WeightingSchedule;
import org.eapo4j.rl.Weightings;

/**
 * RL fine-tuning of any {@link CausalLM} with your prompts and reward functions: EAPO or a fixed weighting (GRPO,
 * W-REINFORCE, PSR, NSR, fixed:POS,NEG), on the built-in model or a Hugging Face checkpoint.
 *
 * <pre>{@code
 * RlTrainer trainer = RlTrainer.builder()
 *     .policy(HfModels.load(dir))
 *     .tokenizer(HfTokenizer.load(dir))
 *     .prompts(PromptDataset.fromJsonl(path))
 *     .reward(s -> s.completion().contains("dragon") ? 1 : 0)
 *     .config(RlConfig.fromJson(configPath))
 *     .outputDir(out)
 *     .build();
 * RunSummary summary = trainer.train();
 * }</pre>
 *
 * <p>A step: {@code prompts_per_step} prompts (a permutation seeded by (seed, step)), {@code num_generations}
 * completions each (KV-cached sampling), rewards (a weighted sum of the registered terms; a term that throws or
 * returns NaN/infinity stops the run naming the term, the record and the value), group-relative advantages
 * ({@code scale_rewards}), the old-policy pass (log-probs and the entropy H_t of the fused kernel), the weights of the
 * schedule (EAPO: lambda_pos = (H_t / H_0)^alpha), and {@code num_iterations} x {@code minibatches} updates of the
 * fused clipped-surrogate loss. When {@code sft_warmup_steps > 0} a supervised warm-up on the records' reference
 * field ({@code reference_answer} or {@code completion}) comes first, through the same update code.
 *
 * <p>The output folder holds metrics.jsonl (the fields of docs/TRAINING.md, plus {@code rewards/<name>/mean} per
 * term), PNG plots, config.json, checksummed atomic checkpoints and summary.json; a Hugging Face policy is also
 * saved in the Hugging Face layout under {@code hf-model/} at the end. A second build on the same folder resumes the
 * run from its checkpoint (settings that fix what the run computes must then be the same: {@link ResumePolicy}).
 *
 * <p>Ownership: the trainer uses but does not own the policy and tokenizer given to the builder (close them
 * yourself after the run); it owns the frozen reference copy it makes for the KL term and frees it in {@link #close()}.
 */
public final class RlTrainer implements AutoCloseable {
    /** The folder under the output folder where a Hugging Face policy is saved at the end of the run. */
    public static final String HF_MODEL_DIR = "hf-model";
    private static final List<String> REFERENCE_FIELDS = List.of("reference_answer", "completion");
    private static final int S_WARMUP = 3, S_EVAL = 4;   // RNG streams, as in Trainer (S_MINIBATCH: PolicyPass)

    private final RlConfig cfg;
    private final CausalLM policy;
    private final Tokenizer tok;
    private final PromptDataset prompts, evalPrompts;
    private final Rewards rewards;
    private final RunFolder folder;
    private final List<TrainerCallback> callbacks;
    private final Progress.Factory progress;
    private final PrintStream out;
    private final long[] stopIds;
    private final CompletionGenerator generator;
    private final Rollouts<PromptRecord> rollouts;
    private final PromptEvaluation evaluation;
    private final WeightingSchedule schedule;
    private final List<String> warnings = new ArrayList<>();
    private AdamW opt;
    private CausalLM reference;
    private MetricsLog log;
    private int warmupStep, rlStep;
    private boolean warmupDone;
    private List<ResumePolicy.Change> resumeChanges = List.of();

    private RlTrainer(Builder b) {
        cfg = b.config.copy().validate();
        policy = b.policy;
        tok = b.tokenizer;
        prompts = b.prompts;
        evalPrompts = b.evalPrompts;
        rewards = b.rewards.build();
        folder = new RunFolder(b.outputDir);
        callbacks = List.copyOf(b.callbacks);
        progress = b.progress;
        out = b.out;
        stopIds = b.stopIds != null ? b.stopIds.clone() : tok.eosIds();
        if (cfg.threads > 0) {
            torch.set_num_threads(cfg.threads);
            FusedKernels.setNumThreads(cfg.threads);
        }
        checkAgainstModel();
        CausalLMGenerator gen = new CausalLMGenerator(policy, stopIds, tok.padId());
        generator = (p, sampling, rng) -> gen.generate(toLongs(p), sampling, rng);
        int pool = cfg.rlQuestions > 0 ? Math.min(cfg.rlQuestions, prompts.size()) : prompts.size();
        rollouts = new Rollouts<>(prompts.records().subList(0, pool), PromptRecord::prompt, this::encode, generator,
                cfg.promptsPerStep, cfg.numGenerations, cfg.sampling(), cfg.seed);
        evaluation = new PromptEvaluation(generator, this::encode, this::decode, rewards);
        schedule = Weightings.parse(cfg.weighting, cfg.eapoConfig());
        opt = new AdamW(policy.namedParameters(), cfg.weightDecay);
        warmupDone = cfg.sftWarmupSteps == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings the data or the model cap (one line each), found when the trainer was built. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The settings a resume changed (empty for a fresh run). */
    public List<ResumePolicy.Change> resumeChanges() {
        return resumeChanges;
    }

    public RlConfig config() {
        return cfg.copy();
    }

    public Path outputDir() {
        return folder.dir();
    }

    public int currentStep() {
        return rlStep;
    }

    /** Every prompt fits the model with max_completion_length tokens after it; the warm-up has its reference field. */
    private void checkAgainstModel() {
        if (tok.vocabSize() > policy.vocabSize())
            throw new IllegalArgumentException("tokenizer: " + tok.vocabSize() + " ids but the policy has "
                    + policy.vocabSize() + " logits: they do not belong together");
        int longest = 0;
        List<PromptDataset> sets = evalPrompts == null ? List.of(prompts) : List.of(prompts, evalPrompts);
        for (PromptDataset d : sets)
            for (PromptRecord r : d.records()) longest = Math.max(longest, encode(r.prompt()).length);
        if (longest + cfg.maxCompletionLength > policy.maxPositions())
            throw new ConfigException("max_completion_length", "the longest prompt (" + longest + " tokens) + "
                    + "max_completion_length " + cfg.maxCompletionLength + " exceed the model's " + policy.maxPositions()
                    + " positions");
        if (cfg.sftWarmupSteps > 0)
            for (PromptRecord r : prompts.records())
                if (referenceOf(r) == null)
                    throw new ConfigException("sft_warmup_steps", "sft_warmup_steps is " + cfg.sftWarmupSteps
                            + " but prompt " + r.location() + " has no string field " + REFERENCE_FIELDS
                            + " to warm up on (set sft_warmup_steps to 0 for a pretrained policy)");
        RlConfig sized = cfg.copy();   // the data checks against this policy's length, not the built-in max_len
        sized.maxLen = policy.maxPositions();
        warnings.addAll(sized.validateAgainstData(prompts.size(), evalPrompts == null ? 0 : evalPrompts.size(),
                longest));
    }

    private static String referenceOf(PromptRecord r) {
        for (String f : REFERENCE_FIELDS) if (r.fields().get(f) instanceof String s) return s;
        return null;
    }

    private int[] encode(String text) {
        long[] ids = tok.encode(text);
        int[] r = new int[ids.length];
        for (int i = 0; i < ids.length; i++) r[i] = Math.toIntExact(ids[i]);
        return r;
    }

    /** Completion text: the stop token at the end is not part of it. */
    private String decode(int[] ids) {
        int n = ids.length;
        if (n > 0 && isStop(ids[n - 1])) n--;
        long[] l = new long[n];
        for (int i = 0; i < n; i++) l[i] = ids[i];
        return tok.decode(l);
    }

    private boolean isStop(long id) {
        for (long s : stopIds) if (s == id) return true;
        return false;
    }

    private static long[][] toLongs(int[][] p) {
        long[][] r = new long[p.length][];
        for (int i = 0; i < p.length; i++) {
            r[i] = new long[p[i].length];
            for (int j = 0; j < p[i].length; j++) r[i][j] = p[i][j];
        }
        return r;
    }

    /**
     * Evaluates {@code policy} on {@code records} without training: {@code samples} completions per prompt, scored by
     * {@code rewards}; the metric names are those of an evaluation record of metrics.jsonl without the
     * {@code heldout_} prefix (reward_mean, best_of_g, rewards/NAME, distinct_1, distinct_2, self_bleu, ...).
     */
    public static Map<String, Object> evaluate(CausalLM policy, Tokenizer tok, List<PromptRecord> records,
                                               Rewards rewards, long[] stopIds, int samples,
                                               org.eapo4j.model.SamplingConfig sampling, long seed) {
        if (records.isEmpty()) throw new IllegalArgumentException("records: nothing to evaluate");
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        if (stopIds == null || stopIds.length == 0) throw new IllegalArgumentException("stopIds: at least one id");
        CausalLMGenerator gen = new CausalLMGenerator(policy, stopIds, tok.padId());
        java.util.function.Function<String, int[]> enc = text -> {
            long[] ids = tok.encode(text);
            int[] r = new int[ids.length];
            for (int i = 0; i < ids.length; i++) r[i] = Math.toIntExact(ids[i]);
            return r;
        };
        java.util.function.Function<int[], String> dec = ids -> {
            int n = ids.length;
            if (n > 0) for (long s : stopIds) if (s == ids[n - 1]) { n--; break; }
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = ids[i];
            return tok.decode(l);
        };
        PromptEvaluation.Result r = new PromptEvaluation((p, sc, rng) -> gen.generate(toLongs(p), sc, rng), enc, dec,
                rewards).evaluate(records, samples, sampling, Sampler.rng(seed, 0, S_EVAL));
        Map<String, Object> m = new LinkedHashMap<>(r.metrics());
        m.put("examples", r.samples());
        return m;
    }

    // ---------------------------------------------------------------- the run

    /** Opens (or resumes) the run folder and trains to {@code steps}; returns what the run did. */
    public RunSummary train() {
        long t0 = System.nanoTime();
        open();
        Map<String, Object> first = null, last = null;
        if (rlStep == 0 && warmupStep == 0) first = evaluate("init");
        if (!warmupDone) {
            try (Progress pb = bar("warm-up", cfg.sftWarmupSteps)) {
                while (warmupStep < cfg.sftWarmupSteps) {
                    Map<String, Object> m = warmupStep();
                    if (pb != null) {
                        pb.stepTo(warmupStep);
                        pb.message(String.format("CE %.3f", (double) m.get("cross_entropy")));
                    }
                    callbacks.forEach(c -> c.onWarmupStep(m));
                }
            }
            warmupDone = true;
            opt = new AdamW(policy.namedParameters(), cfg.weightDecay);
            last = evaluate("warmup");
            saveCheckpoint();
        }
        if (cfg.beta > 0 && reference == null) reference = policy.frozenCopy();
        try (Progress pb = bar(cfg.weighting, cfg.steps)) {
            if (pb != null) pb.stepTo(rlStep);
            while (rlStep < cfg.steps) {
                Map<String, Object> m = step();
                callbacks.forEach(c -> c.onStep(new LinkedHashMap<>(m)));
                String msg = String.format("r %.3f H %.3f λ+ %.2f clip %.3f len %.1f %.2fs", num(m, "reward_mean"),
                        num(m, "entropy_ht"), num(m, "lambda_pos"), num(m, "clip_frac"), num(m, "response_len"),
                        num(m, "step_time_s"));
                if (pb != null) {
                    pb.stepTo(rlStep);
                    pb.message(msg);
                } else if (out != null) {
                    out.printf("[%s] step %d/%d %s%n", cfg.weighting, rlStep, cfg.steps, msg);
                }
                boolean end = rlStep == cfg.steps;
                if ((cfg.evalSteps > 0 && rlStep % cfg.evalSteps == 0) || end) last = evaluate("rl");
                if ((cfg.saveSteps > 0 && rlStep % cfg.saveSteps == 0) || end) saveCheckpoint();
            }
        }
        if (rlStep == 0 || last == null) saveCheckpoint();
        Path hf = null;
        if (policy instanceof HfDecoder) {
            hf = folder.dir().resolve(HF_MODEL_DIR);
            HfModels.save(policy, hf);
        }
        List<Map<String, Object>> rows = MetricsLog.read(folder.metrics());
        Map<String, Object> lastStep = null;
        for (Map<String, Object> r : rows) {
            if ("eval".equals(r.get("kind"))) {
                if (first == null) first = r;
                last = r;
            } else if ("rl".equals(r.get("kind"))) lastStep = r;
        }
        RunSummary s = new RunSummary(cfg.weighting, cfg.seed, rlStep, (System.nanoTime() - t0) / 1e9, first, last,
                lastStep, folder.dir(), hf);
        folder.writeSummary(s.toMap());
        return s;
    }

    private Progress bar(String name, int max) {
        return progress == null || max <= 0 ? null : progress.start(name, max);
    }

    private static double num(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A fresh run folder, or the checkpoint in it restored (validated against the requested settings). */
    private void open() {
        if (log != null) return;
        if (folder.hasCheckpoint()) {
            CheckpointCodec.Loaded ck = CheckpointCodec.read(folder.checkpoint());
            if (!ck.state().vocab().isEmpty())
                throw new CheckpointException(ck.file(), "is a built-in-model run (word tokenizer): resume it with "
                        + "'eapo4j train --resume', not through RlTrainer");
            resumeChanges = ResumePolicy.check(folder.dir(), ck.state().config(), cfg, ck.state().rlStep());
            warmupStep = ck.state().warmupStep();
            warmupDone = ck.state().warmupDone();
            rlStep = ck.state().rlStep();
            CheckpointCodec.restoreTensors(ck, policy, opt);
            schedule.restore(ck.state().schedule());
            if (cfg.beta > 0 && warmupDone) {
                reference = policy.frozenCopy();
                CheckpointCodec.restoreReference(ck, reference);
            }
            folder.prepare();
            log = folder.resumedLog(warmupStep, rlStep);
            folder.writeConfig(cfg);
            if (out != null && !resumeChanges.isEmpty()) out.println("resumed with changes: " + resumeChanges);
        } else {
            log = folder.startFresh(cfg);
        }
    }

    /** One teacher-forcing step on a batch of (prompt, reference) pairs, through the RL update code. */
    private Map<String, Object> warmupStep() {
        long t0 = System.nanoTime();
        SplittableRandom rng = Sampler.rng(cfg.seed, warmupStep, S_WARMUP);
        int n = Math.min(cfg.sftWarmupBatch, prompts.size());
        int[][] p = new int[n][], a = new int[n][];
        for (int i = 0; i < n; i++) {
            PromptRecord r = prompts.get(rng.nextInt(prompts.size()));
            p[i] = encode(r.prompt());
            long[] ref = tok.encodeCompletion(" " + referenceOf(r));
            int room = Math.min(cfg.maxCompletionLength, policy.maxPositions() - p[i].length);
            int k = Math.min(room - 1, ref.length);
            a[i] = new int[k + 1];
            for (int j = 0; j < k; j++) a[i][j] = Math.toIntExact(ref[j]);
            a[i][k] = Math.toIntExact(stopIds[0]);
        }
        SequenceBatch batch = new SequenceBatch(p, a, Math.toIntExact(tok.padId()));
        double scale = cfg.sftWarmupSteps <= 1 ? 1 : 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI
                * Math.min(1, (double) warmupStep / (cfg.sftWarmupSteps - 1))));
        PolicyUpdate.SupervisedStats s = PolicyUpdate.supervised(policy, opt, batch, cfg.sftWarmupLr * scale,
                cfg.maxGradNorm);
        warmupStep++;
        PolicyPass.requireFinite("warm-up step " + warmupStep, "cross-entropy", s.crossEntropy(), "sft_warmup_lr");
        Map<String, Object> m = StepMetrics.warmup(warmupStep, s, t0);
        log.write(m);
        return m;
    }

    /** One RL step: rollouts, rewards, advantages, the old-policy pass, the weights, the update. */
    private Map<String, Object> step() {
        long t0 = System.nanoTime();
        int step = rlStep + 1;
        RolloutBatch<PromptRecord> rb = rollouts.sample(step);
        long tGen = System.nanoTime();
        double[] r = new double[rb.size()];
        Map<String, Double> termSums = new LinkedHashMap<>();
        int g = rb.groupSize();
        for (int q = 0; q < rb.records().size(); q++) {
            List<Sample> group = new ArrayList<>(g);
            for (int j = 0; j < g; j++) {
                int i = q * g + j;
                group.add(Sample.of(rb.records().get(q), decode(rb.generation().responses()[i]), rb.truncated(i)));
            }
            RewardBreakdown br = rewards.score(group);
            System.arraycopy(br.total(), 0, r, q * g, g);
            for (String name : br.names())
                for (double v : br.values(name)) termSums.merge("rewards/" + name + "/mean", v, Double::sum);
        }
        termSums.replaceAll((k, v) -> v / rb.size());
        ScoredBatch sc = Scoring.fromRewards(rb, r, termSums, cfg.rewardScaling(), cfg.maskTruncatedCompletions);
        long tScore = System.nanoTime();

        SequenceBatch batch = new SequenceBatch(rb.prompts(), rb.generation().responses(),
                Math.toIntExact(tok.padId()));
        PolicyPass.Result pass = PolicyPass.run(cfg, policy, reference, opt, schedule, batch, sc, step,
                Collectives.NONE);
        rlStep = step;
        long tUpdate = System.nanoTime();

        double len = 0;
        for (int[] resp : rb.generation().responses()) len += resp.length;
        double h0 = schedule instanceof EapoWeighting e ? e.h0() : Double.NaN;
        Map<String, Object> m = StepMetrics.rl(step, sc, len / rb.size(), pass.entropy(), h0, pass.weights(),
                pass.stats(), new StepMetrics.Times(t0, tGen, tScore, pass.oldPassDone(), tUpdate, 0));   // one process
        log.write(m);
        return m;
    }

    /** Held-out (when given) and train-prompt evaluation of the current policy, logged with the given label. */
    private Map<String, Object> evaluate(String label) {
        long t0 = System.nanoTime();
        int evalStep = "init".equals(label) ? -1 : rlStep;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "eval");
        m.put("step", evalStep);
        m.put("policy", label);
        String example = "";
        if (evalPrompts != null) {
            List<PromptRecord> ho = evalPrompts.records();
            if (cfg.evalQuestions > 0 && cfg.evalQuestions < ho.size()) ho = ho.subList(0, cfg.evalQuestions);
            PromptEvaluation.Result h = evaluation.evaluate(ho, cfg.evalSamples, cfg.sampling(),
                    Sampler.rng(cfg.seed, 1000003L + evalStep, S_EVAL));
            h.metrics().forEach((k, v) -> m.put("heldout_" + k, v));
            if (!h.samples().isEmpty()) example = h.samples().get(0);
        }
        List<PromptRecord> tr = prompts.records().subList(0, Math.min(cfg.trainEvalQuestions, prompts.size()));
        if (!tr.isEmpty()) {
            PromptEvaluation.Result t = evaluation.evaluate(tr, cfg.evalSamples, cfg.sampling(),
                    Sampler.rng(cfg.seed, 2000003L + evalStep, S_EVAL));
            t.metrics().forEach((k, v) -> m.put("train_" + k, v));
            if (example.isEmpty() && !t.samples().isEmpty()) example = t.samples().get(0);
        }
        m.put("eval_time_s", (System.nanoTime() - t0) / 1e9);
        m.put("example", example);
        log.write(m);
        callbacks.forEach(c -> c.onEvaluation(new LinkedHashMap<>(m)));
        if (out != null)
            out.printf("eval @%d (%s): held-out reward %.3f best-of-G %.3f distinct-2 %.3f | train-prompt reward %.3f%n",
                    evalStep, label, num(m, "heldout_reward_mean"), num(m, "heldout_best_of_g"),
                    num(m, "heldout_distinct_2"), num(m, "train_reward_mean"));
        return m;
    }

    private void saveCheckpoint() {
        CheckpointCodec.State s = new CheckpointCodec.State(cfg, List.of(), warmupStep, warmupDone, rlStep,
                opt.stepCount(), schedule.state());
        CheckpointCodec.write(folder.checkpoint(), s, schedule, policy, opt, reference);
        callbacks.forEach(c -> c.onCheckpoint(folder.checkpoint()));
    }

    @Override
    public void close() {
        if (log != null) log.close();
        log = null;
        if (reference != null) reference.close();
        reference = null;
    }

    /** Collects the pieces of a run; {@link #build()} validates them all before anything is written. */
    public static final class Builder {
        private CausalLM policy;
        private Tokenizer tokenizer;
        private PromptDataset prompts, evalPrompts;
        private final Rewards.Builder rewards = Rewards.builder();
        private int rewardTerms;
        private RlConfig config = new RlConfig();
        private Path outputDir;
        private final List<TrainerCallback> callbacks = new ArrayList<>();
        private Progress.Factory progress;
        private PrintStream out;
        private long[] stopIds;

        private Builder() {}

        /** The policy to fine-tune (its parameters are updated in place). */
        public Builder policy(CausalLM model) {
            this.policy = Objects.requireNonNull(model, "policy");
            return this;
        }

        public Builder tokenizer(Tokenizer tokenizer) {
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
            return this;
        }

        /** The prompts RL draws from (the first {@code rl_questions}, 0 = all). */
        public Builder prompts(PromptDataset prompts) {
            this.prompts = Objects.requireNonNull(prompts, "prompts");
            return this;
        }

        /** Held-out prompts for evaluation (optional; without them only the train prompts are evaluated). */
        public Builder evalPrompts(PromptDataset prompts) {
            this.evalPrompts = prompts;
            return this;
        }

        /** A reward term of weight 1. */
        public Builder reward(RewardFunction fn) {
            return reward(1.0, fn);
        }

        /** A weighted reward term; the reward is the weighted sum of all terms. */
        public Builder reward(double weight, RewardFunction fn) {
            rewards.reward(weight, fn);
            rewardTerms++;
            return this;
        }

        /** A named weighted reward term (the name appears in metrics and error messages). */
        public Builder reward(String name, double weight, RewardFunction fn) {
            rewards.reward(name, weight, fn);
            rewardTerms++;
            return this;
        }

        /** A weighted term that scores a whole group of G completions of one prompt at once. */
        public Builder groupReward(String name, double weight, GroupRewardFunction fn) {
            rewards.groupReward(name, weight, fn);
            rewardTerms++;
            return this;
        }

        /** The settings (copied; validated in {@link #build()}). Default: {@code new RlConfig()}. */
        public Builder config(RlConfig config) {
            this.config = Objects.requireNonNull(config, "config").copy();
            return this;
        }

        public Builder outputDir(Path dir) {
            this.outputDir = Objects.requireNonNull(dir, "outputDir");
            return this;
        }

        public Builder callback(TrainerCallback cb) {
            callbacks.add(Objects.requireNonNull(cb, "callback"));
            return this;
        }

        /** A progress display (the CLI passes a terminal bar); without one, lines go to {@link #log(PrintStream)}. */
        public Builder progress(Progress.Factory factory) {
            this.progress = factory;
            return this;
        }

        /** Where step and evaluation lines are printed (default: nowhere). */
        public Builder log(PrintStream out) {
            this.out = out;
            return this;
        }

        /** Ids that end a completion (default: the tokenizer's EOS ids). */
        public Builder stopTokenIds(long... ids) {
            if (ids == null || ids.length == 0) throw new IllegalArgumentException("stopTokenIds: at least one id");
            this.stopIds = ids.clone();
            return this;
        }

        public RlTrainer build() {
            if (policy == null) throw new IllegalArgumentException("policy: not set");
            if (tokenizer == null) throw new IllegalArgumentException("tokenizer: not set");
            if (prompts == null) throw new IllegalArgumentException("prompts: not set");
            if (prompts.size() == 0) throw new IllegalArgumentException("prompts: empty data set " + prompts.source());
            if (rewardTerms == 0) throw new IllegalArgumentException("reward: no reward function registered");
            if (outputDir == null) throw new IllegalArgumentException("outputDir: not set");
            if (stopIds != null)
                for (long id : stopIds)
                    if (id < 0 || id >= policy.vocabSize())
                        throw new IllegalArgumentException("stopTokenIds: " + id + " is outside the vocabulary");
            return new RlTrainer(this);
        }
    }
}
