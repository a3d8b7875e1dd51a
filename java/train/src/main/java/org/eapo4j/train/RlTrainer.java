package org.eapo4j.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.parallel.DistContext;
import org.eapo4j.hf.ChatMessage;
import org.eapo4j.hf.ChatTemplate;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.LoraAdapters;
import org.eapo4j.kernels.AdaptiveEntropyCoef;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.reward.GroupRewardFunction;
import org.eapo4j.reward.RewardFunction;
import org.eapo4j.reward.Rewards;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.GradAccumulator;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.WeightingSchedule;
import org.eapo4j.rl.Weightings;
import org.eapo4j.task.PromptTask;
import org.eapo4j.task.Task;
import org.eapo4j.task.WarmupStage;

/**
 * The one trainer: RL fine-tuning of any {@link CausalLM} on a {@link Task}, with EAPO or a fixed weighting (GRPO,
 * W-REINFORCE, PSR, NSR, fixed:POS,NEG); the built-in model, the shipped stories260K or your Hugging Face checkpoint;
 * one process or several ({@link Builder#parallel}). The CLI's {@code train}, {@code eval} and {@code compare} are
 * clients of this class.
 *
 * <pre>{@code
 * try (RlTrainer trainer = RlTrainer.builder()
 *         .policy(HfModels.load(dir)).tokenizer(HfTokenizer.load(dir))
 *         .prompts(PromptDataset.fromJsonl(path))
 *         .reward(s -> s.completion().contains("dragon") ? 1 : 0)   // or .task(new StoriesTask())
 *         .config(RlConfig.fromJson(configPath))
 *         .outputDir(out).build()) {
 *     RunSummary summary = trainer.train();
 * }
 * }</pre>
 *
 * <p>A run: an evaluation of the starting policy, the task's warm-up stages (each a supervised stage through the RL
 * update code, evaluated after it), then {@code steps} RL steps. A step: {@code prompts_per_step} prompts (a
 * permutation seeded by (seed, step)), {@code num_generations} completions each (one generator call per prompt
 * group, stream (seed, step, group)), rewards (a term that throws or returns NaN stops the run naming the term and
 * the record), group-relative advantages, the old-policy pass (log-probs and the entropy H_t, the mask-weighted mean
 * over every rank's tokens), the schedule's weights (EAPO: lambda_pos = (H_t / H_0)^alpha), and {@code
 * num_iterations} x {@code minibatches} updates of the fused loss, each minibatch in micro-batches of one prompt group
 * whose gradients are summed in float64 ({@code deterministic_gradients}): so 1 or N processes compute the same run.
 *
 * <p>All randomness is a function of (seed, step): a run resumed from its checkpoint repeats what the uninterrupted
 * run would have done. The output folder holds metrics.jsonl (docs/TRAINING.md), config.json, checksummed atomic
 * checkpoints and summary.json; a Hugging Face policy is also saved under {@code hf-model/} at the end (LoRA: its
 * adapters under {@code adapter/}). Plots come from a {@link TrainerCallback} (the CLI installs one). A second build on the same folder resumes the run (settings
 * that fix what the run computes must be the same: {@link ResumePolicy}). In a data-parallel run only rank 0 writes.
 *
 * <p>Ownership: the trainer uses but does not own the policy and tokenizer (close them yourself after the run) nor
 * the {@link DistContext}; it owns the frozen reference copy, the gradient sums and its data-parallel buffers, freed
 * in {@link #close()}.
 */
public final class RlTrainer implements AutoCloseable {
    /** The folder under the output folder where a Hugging Face policy is saved at the end of the run. */
    public static final String HF_MODEL_DIR = "hf-model";
    /** The folder under the output folder where LoRA adapters are saved in PEFT's layout at the end of the run. */
    public static final String ADAPTER_DIR = "adapter";
    /** Rows of a warm-up micro-batch: warm-up batches are split among ranks in such units. */
    static final int WARMUP_UNIT_ROWS = 8;
    private static final int S_WARMUP = 3, S_EVAL = 4;   // RNG streams (prompts, sampling: Rollouts; minibatch: PolicyPass)
    private static final String ADAPTIVE_COEF = "adaptive_entropy_coef", ADAPTIVE_LAST = "adaptive_last_entropy";

    private final RlConfig cfg;
    private final Task task;
    private final CausalLM policy;
    private final Tokenizer tok;
    private final PromptDataset prompts, evalPrompts;
    private final Rewards rewards;
    private final RunFolder folder;
    private final List<TrainerCallback> callbacks;
    private final Progress.Factory progress;
    private final PrintStream out;
    private final long[] stopIds;
    private final Rollouts<PromptRecord> rollouts;
    private final Scoring scoring;
    private final PromptEvaluation evaluation;
    private final WeightingSchedule schedule;
    private final List<WarmupStage> stages;
    private final List<String> warnings = new ArrayList<>();
    private final DataParallel dp;
    private final GradAccumulator acc;
    private final AdaptiveEntropyCoef adaptiveEntropy;   // null unless use_adaptive_entropy
    private final ChatTemplate chat;                      // null unless chat
    private AdamW opt;
    private CausalLM reference;
    private MetricsLog log;
    private int warmupStep, rlStep;
    private boolean warmupDone, fromWarmup, opened;
    private List<ResumePolicy.Change> resumeChanges = List.of();

    private RlTrainer(Builder b, Task task) {
        RlConfig c = b.config.copy();
        if (c.task.isEmpty()) c.task = task.name();
        cfg = c.validate();
        this.task = task;
        policy = b.policy;
        tok = b.tokenizer;
        prompts = task.trainPrompts();
        evalPrompts = task.evalPrompts();
        rewards = task.rewards();
        folder = new RunFolder(b.outputDir);
        callbacks = List.copyOf(b.callbacks);
        progress = b.progress;
        out = b.out;
        stopIds = b.stopIds != null ? b.stopIds.clone() : task.stopIds(tok);
        for (long id : stopIds)
            if (id < 0 || id >= policy.vocabSize())
                throw new IllegalArgumentException("stopTokenIds: " + id + " is outside the vocabulary");
        try (org.bytedeco.pytorch.Device want = cfg.deviceSpec().require();   // one line without the device
             org.bytedeco.pytorch.Device have = org.eapo4j.rl.OnDevice.of(policy)) {
            if (cfg.deviceSpec().cuda() && policy instanceof TransformerLM)
                throw new ConfigException("device", "the built-in model runs on the CPU only; device cuda needs a "
                        + "Hugging Face model");
            if (want.is_cpu() != have.is_cpu() || cfg.deviceSpec().cuda() && have.index() != cfg.deviceSpec().index())
                throw new ConfigException("device", "device is " + cfg.deviceSpec() + " but the policy's parameters "
                        + "are on " + (have.is_cpu() ? "cpu" : "cuda:" + have.index()) + " (load it there: "
                        + "HfModels.load(dir, null, \"" + cfg.deviceSpec() + "\"))");
        }
        if (cfg.threads > 0) {
            torch.set_num_threads(cfg.threads);
            FusedKernels.setNumThreads(cfg.threads);
        }
        chat = cfg.chat ? chatTemplateOf(tok) : null;
        int longestPrompt = checkAgainstModel();
        if (cfg.loraR > 0) {   // adapters on a frozen base: only they train, the reference is the base itself
            if (!(policy instanceof HfDecoder hf))
                throw new ConfigException("lora_r", "LoRA adapters need a Hugging Face model; the built-in model "
                        + "trains in full");
            if (hf.lora() == null) HfModels.applyLora(hf, cfg.loraConfig(), cfg.seed);
            else if (!hf.lora().equals(cfg.loraConfig()))
                throw new ConfigException("lora_r", "the policy already carries adapters " + hf.lora()
                        + " that differ from the settings");
        }
        stages = task.warmupStages(cfg, tok);
        warnings.addAll(task.warnings(cfg, tok, policy.maxPositions()));
        CausalLMGenerator gen = new CausalLMGenerator(policy, stopIds, tok.padId(), tok.vocabSize());
        CompletionGenerator generator = (p, sampling, rngs) -> gen.generateWithStreams(toLongs(p), sampling, rngs);
        int pool = cfg.rlQuestions > 0 ? Math.min(cfg.rlQuestions, prompts.size()) : prompts.size();
        rollouts = new Rollouts<>(prompts.records().subList(0, pool), PromptRecord::prompt, this::encode, generator,
                cfg.promptsPerStep, cfg.numGenerations, cfg.generationBatchSize, cfg.sampling(), cfg.seed);
        scoring = new Scoring(rewards, this::decode, cfg.rewardScaling(), cfg.maskTruncatedCompletions);
        evaluation = new PromptEvaluation(generator, this::encode, this::decode, rewards);
        schedule = Weightings.parse(cfg.weighting, cfg.eapoConfig());
        adaptiveEntropy = cfg.useAdaptiveEntropy ? new AdaptiveEntropyCoef(cfg.entropyCoef, cfg.entropyTarget,
                cfg.entropyCoefMin, cfg.entropyCoefMax, cfg.entropyCoefDelta) : null;
        if (cfg.checkMemory)   // before the optimizer state and the gradient sums are allocated
            MemoryEstimate.of(cfg, policy, Math.min(longestPrompt, policy.maxPositions()))
                    .check(MemoryEstimate.availableBytes());
        opt = new AdamW(policy.namedParameters(), cfg.weightDecay, cfg.float32OptimizerState());
        acc = cfg.deterministicGradients ? new GradAccumulator(List.copyOf(policy.namedParameters().values())) : null;
        warmupDone = stages.stream().allMatch(s -> s.steps() == 0);
        DistContext ctx = b.dist != null ? b.dist : DistContext.single();
        if (ctx.worldSize() > rollouts.groupsPerStep())
            throw new ConfigException("prompts_per_step", "a run on " + ctx.worldSize() + " processes needs at least "
                    + ctx.worldSize() + " prompts per step (a prompt group never spans processes), got "
                    + rollouts.groupsPerStep());
        dp = new DataParallel(ctx);
        if (b.initFrom != null) startFromWarmup(b.initFrom);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings the data or the model cap (one line each), found when the trainer was built. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The settings a resume changed (empty for a fresh run); known after {@link #open()}. */
    public List<ResumePolicy.Change> resumeChanges() {
        return resumeChanges;
    }

    public RlConfig config() {
        return cfg.copy();
    }

    public Task task() {
        return task;
    }

    /** The policy being trained (the builder's; not owned by the trainer). */
    public CausalLM policy() {
        return policy;
    }

    public Path outputDir() {
        return folder.dir();
    }

    public int currentStep() {
        return rlStep;
    }

    /** The run has done all its warm-up and RL steps. */
    public boolean finished() {
        return warmupDone && rlStep >= cfg.steps;
    }

    /** This trainer's place in a data-parallel run. */
    public DataParallel dataParallel() {
        return dp;
    }

    /** The tokenizer's chat template, refused with one line where there is none. */
    private static ChatTemplate chatTemplateOf(Tokenizer tok) {
        if (!(tok instanceof HfTokenizer h) || h.chatTemplate() == null)
            throw new ConfigException("chat", "chat is on but the tokenizer has no chat template (a Hugging Face "
                    + "tokenizer_config.json with chat_template)");
        return h.chatTemplate();
    }

    /**
     * Every prompt fits the model with room for a completion; the tokenizer and the policy belong together. Returns
     * the longest prompt in tokens.
     */
    private int checkAgainstModel() {
        if (tok.vocabSize() > policy.vocabSize())
            throw new IllegalArgumentException("tokenizer: " + tok.vocabSize() + " ids but the policy has "
                    + policy.vocabSize() + " logits: they do not belong together");
        int longest = 0;
        List<PromptDataset> sets = evalPrompts == null ? List.of(prompts) : List.of(prompts, evalPrompts);
        for (PromptDataset d : sets)
            for (PromptRecord r : d.records()) longest = Math.max(longest, encode(r.prompt()).length);
        if (cfg.maxCompletionLength >= policy.maxPositions())
            throw new ConfigException(List.of("max_completion_length", "max_len"), "max_completion_length ("
                    + cfg.maxCompletionLength + ") must be < max_len (" + policy.maxPositions() + "): the prompt needs "
                    + "room too");
        if (!(policy instanceof TransformerLM) && longest + cfg.maxCompletionLength > policy.maxPositions())
            throw new ConfigException("max_completion_length", "the longest prompt (" + longest + " tokens) + "
                    + "max_completion_length " + cfg.maxCompletionLength + " exceed the model's " + policy.maxPositions()
                    + " positions");   // the built-in model's data cap them instead (a warning)
        warnings.addAll(cfg.validateAgainstData(prompts.size(), evalPrompts == null ? 0 : evalPrompts.size(),
                longest, policy.maxPositions()));
        return longest;
    }

    private int[] encode(String text) {
        return encode(tok, chat, text);
    }

    /** Prompt ids of {@code text}, through the chat template when one is given. */
    private static int[] encode(Tokenizer tok, ChatTemplate chat, String text) {
        long[] ids = chat == null ? tok.encode(text)   // the rendered template holds its own special tokens
                : ((HfTokenizer) tok).encode(chat.render(List.of(ChatMessage.user(text)), true), false);
        return ints(ids);
    }

    private String decode(int[] ids) {
        return decode(tok, stopIds, ids);
    }

    /** Completion text: the stop token at the end is not part of it. */
    private static String decode(Tokenizer tok, long[] stopIds, int[] ids) {
        int n = ids.length;
        if (n > 0) for (long s : stopIds) if (s == ids[n - 1]) { n--; break; }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) l[i] = ids[i];
        return tok.decode(l);
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
     * {@code heldout_} prefix (reward_mean, best_of_g, rewards/NAME, distinct_1, distinct_2, self_bleu, ...), plus
     * {@code examples}. Refuses a policy whose parameters are not all finite (it would score garbage text).
     */
    public static Map<String, Object> evaluate(CausalLM policy, Tokenizer tok, List<PromptRecord> records,
                                               Rewards rewards, long[] stopIds, int samples,
                                               org.eapo4j.model.SamplingConfig sampling, long seed) {
        if (records.isEmpty()) throw new IllegalArgumentException("records: nothing to evaluate");
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        if (stopIds == null || stopIds.length == 0) throw new IllegalArgumentException("stopIds: at least one id");
        FiniteParameters.require(policy, "policy");
        CausalLMGenerator gen = new CausalLMGenerator(policy, stopIds, tok.padId(), tok.vocabSize());
        PromptEvaluation.Result r = new PromptEvaluation(
                (p, sc, rngs) -> gen.generateWithStreams(toLongs(p), sc, rngs),
                text -> encode(tok, null, text), ids -> decode(tok, stopIds, ids), rewards)
                .evaluate(records, samples, sampling, Sampler.rng(seed, 0, S_EVAL));
        Map<String, Object> m = new LinkedHashMap<>(r.metrics());
        m.put("examples", r.samples());
        return m;
    }

    // ---------------------------------------------------------------- the run

    /** Opens (or resumes) the run folder and trains to {@code steps}; returns what the run did. */
    public RunSummary train() {
        long t0 = System.nanoTime();
        open();
        if (!warmupDone) {
            if (warmupStep == 0) evaluateAndSay("init", "untrained policy");
            runWarmup();
            evaluateAndSay("warmup", "warm-up policy");
            finishWarmup();
        } else if (rlStep == 0 && warmupStep == 0 && !fromWarmup && !hasEvaluation()) {
            evaluateAndSay("init", "starting policy");
        }
        if (fromWarmup && rlStep == 0)   // a run from a shared warm-up: its start, as a fresh run has it
            evaluateAndSay("warmup", "warm-up policy (from the given checkpoint)");
        try (Progress pb = bar(cfg.weighting, cfg.steps)) {
            if (pb != null) pb.stepTo(rlStep);
            while (rlStep < cfg.steps) {
                Map<String, Object> m = step();
                if (dp.isMaster()) callbacks.forEach(c -> c.onStep(new LinkedHashMap<>(m)));
                String msg = String.format("r %.3f±%.3f H %.3f λ+ %.2f +/-/0 %.2f/%.2f/%.2f clip %.3f len %.1f %.2fs",
                        num(m, "reward_mean"), num(m, "reward_std"), num(m, "entropy_ht"), num(m, "lambda_pos"),
                        num(m, "frac_pos"), num(m, "frac_neg"), num(m, "frac_neutral"), num(m, "clip_frac"),
                        num(m, "response_len"), num(m, "step_time_s"));
                if (pb != null) {
                    pb.stepTo(rlStep);
                    pb.message(msg);
                } else if (out != null && (rlStep % 10 == 0 || rlStep == cfg.steps || rlStep == 1)) {
                    out.printf("[%s] step %d/%d %s%n", cfg.weighting, rlStep, cfg.steps, msg);
                }
                boolean end = rlStep == cfg.steps;
                if ((cfg.evalSteps > 0 && rlStep % cfg.evalSteps == 0) || end) {
                    if (pb != null) System.err.print("\r");
                    evaluateAndSay("rl", "eval @" + rlStep);
                }
                if ((cfg.saveSteps > 0 && rlStep % cfg.saveSteps == 0) || end) saveCheckpoint();
            }
        }
        if (cfg.steps == 0 || !folder.hasCheckpoint()) saveCheckpoint();
        Path hf = null;
        if (policy instanceof HfDecoder dec && dp.isMaster()) {
            if (dec.lora() != null) {
                hf = folder.dir().resolve(ADAPTER_DIR);
                LoraAdapters.save(dec, hf, cfg.modelNameOrPath.isEmpty() ? "" : cfg.modelNameOrPath);
            } else {
                hf = folder.dir().resolve(HF_MODEL_DIR);
                HfModels.save(policy, hf);
            }
        }
        RunSummary s = RunSummary.of(cfg, rlStep, dp.worldSize(), (System.nanoTime() - t0) / 1e9,
                dp.isMaster() ? MetricsLog.read(folder.metrics()) : List.of(), folder.dir(), hf);
        if (dp.isMaster()) {
            callbacks.forEach(c -> c.onRunEnd(folder.dir()));
            Map<String, Object> summary = s.toMap();
            double peak = ResidentMemory.processPeak();   // resets of the per-phase peaks included
            if (!Double.isNaN(peak)) summary.put("peak_rss_gb_this_session", peak / ResidentMemory.GB);
            folder.writeSummary(summary);
        }
        return s;
    }

    private boolean hasEvaluation() {
        return dp.isMaster() && folder.metrics().toFile().exists()
                && MetricsLog.read(folder.metrics()).stream().anyMatch(r -> "eval".equals(r.get("kind")));
    }

    private Progress bar(String name, int max) {
        return progress == null || max <= 0 || !dp.isMaster() ? null : progress.start(name, max);
    }

    private static double num(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * A fresh run folder, or the checkpoint in it restored (validated against the requested settings); then the
     * ranks of a data-parallel run are joined (same settings and start, rank 0's parameters). Called by
     * {@link #train()}; call it first to see {@link #resumeChanges()} or {@link #finished()} before training.
     */
    public void open() {
        if (opened) return;
        opened = true;
        try {
            if (folder.hasCheckpoint()) resume(CheckpointCodec.read(folder.checkpoint()));
            else if (dp.isMaster()) log = folder.startFresh(cfg);
            List<Tensor> trained = new ArrayList<>(policy.namedParameters().values()), more = new ArrayList<>();
            more.addAll(opt.stateTensors().values());
            if (reference != null) more.addAll(reference.namedParameters().values());
            List<String> vocab = tok instanceof WordTokenizer.View v ? v.words().vocabulary() : List.of();
            dp.join(DistState.of(cfg, tok.vocabSize(), vocab, prompts.size(),
                    evalPrompts == null ? 0 : evalPrompts.size(), warmupStep, warmupDone, rlStep), trained, more);
        } catch (RuntimeException e) {   // e.g. the ranks disagree: leave nothing behind
            close();
            if (dp.isMaster() && rlStep == 0 && warmupStep == 0) folder.discardIfCreated();
            throw e;
        }
    }

    private void resume(CheckpointCodec.Loaded ck) {
        CheckpointCodec.State s = ck.state();
        if (fromWarmup)
            throw new ConfigException("init_from", folder.dir() + " holds a run already; starting from a warm-up "
                    + "checkpoint needs a new output folder");
        boolean wordRun = !s.vocab().isEmpty(), wordTok = tok instanceof WordTokenizer.View;
        if (wordRun != wordTok)
            throw new CheckpointException(ck.file(), wordRun ? "is a built-in-model run (word tokenizer): resume it "
                    + "with the built-in model and its stored vocabulary" : "holds a model with its own tokenizer: "
                    + "resume it with the same model");
        resumeChanges = ResumePolicy.check(folder.dir(), s.config(), cfg, s.rlStep());
        warmupStep = s.warmupStep();
        warmupDone = s.warmupDone();
        rlStep = s.rlStep();
        CheckpointCodec.restoreTensors(ck, policy, opt);
        schedule.restore(s.schedule());
        if (adaptiveEntropy != null && s.schedule().containsKey(ADAPTIVE_COEF))
            adaptiveEntropy.restore(new AdaptiveEntropyCoef.State(s.schedule().get(ADAPTIVE_COEF),
                    lastEntropy(s.schedule().getOrDefault(ADAPTIVE_LAST, Double.NaN))));
        if (cfg.beta > 0 && warmupDone) {
            reference = policy.frozenCopy();
            CheckpointCodec.restoreReference(ck, reference);
        }
        if (dp.isMaster()) {
            folder.prepare();
            log = folder.resumedLog(warmupStep, rlStep);
            if (!resumeChanges.isEmpty()) folder.writeConfig(cfg);
        }
        if (out != null && !resumeChanges.isEmpty()) out.println("resumed with changes: " + resumeChanges);
    }

    /** The policy of a warm-up checkpoint ({@link Builder#initFrom}): RL starts at once, from a fresh folder. */
    private void startFromWarmup(Path checkpoint) {
        CheckpointCodec.Loaded ck = CheckpointCodec.read(checkpoint);
        CheckpointCodec.restoreTensors(ck, policy, null);
        warmupDone = true;
        fromWarmup = true;
        warmupStep = ck.state().warmupStep();
        if (cfg.beta > 0) reference = policy.frozenCopy();
    }

    /** The task's warm-up stages from {@code warmupStep} on; an evaluation after each stage but the last. */
    private void runWarmup() {
        int total = stages.stream().mapToInt(WarmupStage::steps).sum();
        try (Progress pb = bar("warm-up", total)) {
            int start = 0;
            for (int k = 0; k < stages.size(); k++) {
                WarmupStage st = stages.get(k);
                while (warmupStep < start + st.steps()) {
                    Map<String, Object> m = warmupStep(st, warmupStep - start);
                    if (dp.isMaster()) callbacks.forEach(c -> c.onWarmupStep(new LinkedHashMap<>(m)));
                    String msg = String.format("CE %.3f", num(m, "cross_entropy"));
                    if (pb != null) {
                        pb.stepTo(warmupStep);
                        pb.message(msg);
                    } else if (out != null && (warmupStep % 50 == 0 || warmupStep == total)) {
                        out.printf("warm-up %d/%d (%s) %s%n", warmupStep, total, st.name(), msg);
                    }
                }
                start += st.steps();
                if (k + 1 < stages.size() && st.steps() > 0 && warmupStep == start) {
                    if (pb != null) System.err.print("\r");
                    evaluateAndSay(st.name(), "after the " + st.name() + " stage");
                }
            }
        }
    }

    /**
     * One teacher-forcing step of {@code stage} (its step {@code at}, 0-based) through the RL update code
     * ({@link PolicyUpdate#supervised}: the cross-entropy gradient), at the stage's learning rate with a cosine decay
     * to 10% over the stage. Every rank draws the whole batch and trains on its units of {@link #WARMUP_UNIT_ROWS}.
     */
    private Map<String, Object> warmupStep(WarmupStage stage, int at) {
        long t0 = System.nanoTime();
        SplittableRandom rng = Sampler.rng(cfg.seed, warmupStep, S_WARMUP);
        int n = stage.batchSize();
        int[][] p = new int[n][], a = new int[n][];
        for (int i = 0; i < n; i++) {
            WarmupStage.Example ex = stage.examples().draw(rng);
            p[i] = ints(ex.prompt());
            int room = policy.maxPositions() - p[i].length;   // the position table ends there
            if (room < 1)
                throw new ConfigException("warmup", "a warm-up prompt of " + p[i].length + " tokens leaves no room in "
                        + "the model's " + policy.maxPositions() + " positions");
            long[] target = Arrays.copyOf(ex.target(), ex.target().length + 1);
            target[target.length - 1] = stopIds[0];
            a[i] = ints(target.length > room ? Arrays.copyOf(target, room) : target);
        }
        int units = (n + WARMUP_UNIT_ROWS - 1) / WARMUP_UNIT_ROWS;
        int[] mine = dp.rowRange(units);   // this rank's units of the batch
        int from = Math.min(n, mine[0] * WARMUP_UNIT_ROWS), to = Math.min(n, mine[1] * WARMUP_UNIT_ROWS);
        SequenceBatch batch = new SequenceBatch(Arrays.copyOfRange(p, from, to), Arrays.copyOfRange(a, from, to),
                Math.toIntExact(tok.padId()));
        double progressed = stage.steps() <= 1 ? 0 : Math.min(1, (double) at / (stage.steps() - 1));
        double lr = stage.learningRate() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progressed)));
        PolicyUpdate.SupervisedStats s = PolicyUpdate.supervised(policy, opt, batch, lr, cfg.maxGradNorm, dp,
                WARMUP_UNIT_ROWS, acc);
        warmupStep++;
        PolicyPass.requireFinite("warm-up step " + warmupStep, "cross-entropy", s.crossEntropy(), "sft_warmup_lr");
        Map<String, Object> m = StepMetrics.warmup(warmupStep, s, t0);
        if (log != null) log.write(m);
        return m;
    }

    private static double lastEntropy(double stored) {
        return Double.isNaN(stored) ? Double.POSITIVE_INFINITY : stored;
    }

    private static int[] ints(long[] ids) {
        int[] r = new int[ids.length];
        for (int i = 0; i < ids.length; i++) r[i] = Math.toIntExact(ids[i]);
        return r;
    }

    /** Ends the warm-up: fresh optimizer state for RL, the frozen reference, a checkpoint. */
    private void finishWarmup() {
        warmupDone = true;
        opt = new AdamW(policy.namedParameters(), cfg.weightDecay, cfg.float32OptimizerState());
        if (cfg.beta > 0 && reference == null) reference = policy.frozenCopy();
        saveCheckpoint();
    }

    /** One RL step: rollouts, rewards, advantages, the old-policy pass, the weights, the update. */
    private Map<String, Object> step() {
        if (cfg.beta > 0 && reference == null) reference = policy.frozenCopy();
        long t0 = System.nanoTime();
        ProcessCpu.Sample cpu0 = ProcessCpu.now();
        int step = rlStep + 1;
        dp.takeCommSeconds();
        ResidentMemory.takePeak();   // the peaks below are the phases' own
        RolloutBatch<PromptRecord> rb = rollouts.sample(step, dp.shard(rollouts.groupsPerStep()));   // my groups
        long tGen = System.nanoTime();
        double rolloutPeak = ResidentMemory.takePeak();
        Scoring.Sharded scored = scoring.score(rb, dp);   // advantages over the global batch
        long tScore = System.nanoTime();
        SequenceBatch batch = new SequenceBatch(rb.prompts(), rb.generation().responses(),
                Math.toIntExact(tok.padId()));
        double coef = adaptiveEntropy != null ? adaptiveEntropy.coefInForce() : cfg.entropyCoef;
        PolicyPass.Result pass = PolicyPass.run(cfg, policy, reference, opt, schedule, batch, scored.local(), step,
                dp, acc, coef);
        if (adaptiveEntropy != null) adaptiveEntropy.update(pass.stats().entropy());   // the update's global mean H
        rlStep = step;
        long tUpdate = System.nanoTime();
        double h0 = schedule instanceof EapoWeighting e ? e.h0() : Double.NaN;
        Map<String, Object> m = StepMetrics.rl(step, scored.global(), scored.meanResponseLength(), pass.entropy(), h0,
                pass.weights(), pass.stats(),
                new StepMetrics.Times(t0, tGen, tScore, pass.oldPassDone(), tUpdate, dp.takeCommSeconds()),
                StepMetrics.variants(cfg, pass));
        StepMetrics.memory(m, rolloutPeak, ResidentMemory.takePeak());
        ProcessCpu.put(m, cpu0, ProcessCpu.now());
        if (log != null) log.write(m);
        return m;
    }

    /** Evaluates, logs and prints "what: held-out reward .., train-prompt reward .." (nothing with eval_strategy no). */
    private void evaluateAndSay(String label, String what) {
        if ("no".equals(cfg.evalStrategy)) return;
        Map<String, Object> e = evaluate(label);
        if (out != null)
            out.printf("%s: held-out reward %.3f best-of-G %.3f distinct-2 %.3f self-BLEU %.3f | train-prompt reward "
                            + "%.3f%n", what, num(e, "heldout_reward_mean"), num(e, "heldout_best_of_g"),
                    num(e, "heldout_distinct_2"), num(e, "heldout_self_bleu"), num(e, "train_reward_mean"));
    }

    /**
     * Held-out (when the task has them) and train-prompt evaluation of the current policy, logged with the given
     * label. Every rank of a data-parallel run computes the same evaluation (same streams), so none waits on another.
     */
    private Map<String, Object> evaluate(String label) {
        FiniteParameters.require(policy, "the policy after " + (rlStep > 0 ? "RL step " + rlStep
                : warmupStep > 0 ? "warm-up step " + warmupStep : "loading"));
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
        if (log != null) log.write(m);
        if (dp.isMaster()) callbacks.forEach(c -> c.onEvaluation(new LinkedHashMap<>(m)));
        return m;
    }

    private void saveCheckpoint() {
        if (!dp.isMaster()) return;   // only rank 0 writes
        List<String> vocab = tok instanceof WordTokenizer.View v ? v.words().vocabulary() : List.of();
        ModelConfig builtin = policy instanceof TransformerLM t ? t.config() : null;
        Map<String, Double> state = new LinkedHashMap<>(schedule.state());
        if (adaptiveEntropy != null) {   // Double.POSITIVE_INFINITY (no measurement yet) is stored as NaN
            state.put(ADAPTIVE_COEF, adaptiveEntropy.coef());
            double last = adaptiveEntropy.lastEntropy();
            state.put(ADAPTIVE_LAST, Double.isFinite(last) ? last : Double.NaN);
        }
        CheckpointCodec.State s = new CheckpointCodec.State(cfg, vocab, builtin, warmupStep, warmupDone, rlStep,
                opt.stepCount(), state);
        CheckpointCodec.write(folder.checkpoint(), s, schedule, policy, opt, reference);
        callbacks.forEach(c -> c.onCheckpoint(folder.checkpoint()));
    }

    @Override
    public void close() {
        if (log != null) log.close();
        log = null;
        if (reference != null) reference.close();
        reference = null;
        if (acc != null) acc.close();
        dp.close();
    }

    /** Collects the pieces of a run; {@link #build()} validates them all before anything is written. */
    public static final class Builder {
        private CausalLM policy;
        private Tokenizer tokenizer;
        private Task task;
        private PromptDataset prompts, evalPrompts;
        private final Rewards.Builder rewards = Rewards.builder();
        private int rewardTerms;
        private RlConfig config;
        private Path outputDir, initFrom;
        private final List<TrainerCallback> callbacks = new ArrayList<>();
        private Progress.Factory progress;
        private PrintStream out;
        private long[] stopIds;
        private DistContext dist;

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

        /**
         * What to train on: prompts, rewards, stop ids, warm-up stages, and (unless {@link #config} is given) the
         * task's defaults. Instead of {@link #prompts} and {@link #reward}.
         */
        public Builder task(Task task) {
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        /** The prompts RL draws from (the first {@code rl_questions}, 0 = all): your own task, with {@link #reward}. */
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

        /** The settings (copied; validated in {@link #build()}). Default: the task's {@link Task#defaults()}. */
        public Builder config(RlConfig config) {
            this.config = Objects.requireNonNull(config, "config").copy();
            return this;
        }

        public Builder outputDir(Path dir) {
            this.outputDir = Objects.requireNonNull(dir, "outputDir");
            return this;
        }

        /** Starts RL from the policy of a warm-up checkpoint (the same model shape), skipping the warm-up. */
        public Builder initFrom(Path warmupCheckpoint) {
            this.initFrom = Objects.requireNonNull(warmupCheckpoint, "initFrom");
            return this;
        }

        /** This trainer is one rank of a data-parallel run over {@code ctx} (not owned; close it yourself). */
        public Builder parallel(DistContext ctx) {
            this.dist = Objects.requireNonNull(ctx, "parallel");
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

        /** Ids that end a completion (default: the task's, which default to the tokenizer's EOS ids). */
        public Builder stopTokenIds(long... ids) {
            if (ids == null || ids.length == 0) throw new IllegalArgumentException("stopTokenIds: at least one id");
            this.stopIds = ids.clone();
            return this;
        }

        public RlTrainer build() {
            if (policy == null) throw new IllegalArgumentException("policy: not set");
            if (tokenizer == null) throw new IllegalArgumentException("tokenizer: not set");
            if (outputDir == null) throw new IllegalArgumentException("outputDir: not set");
            Task t = task;
            if (t == null) {
                if (prompts == null) throw new IllegalArgumentException("prompts: not set (or give a task)");
                if (rewardTerms == 0) throw new IllegalArgumentException("reward: no reward function registered");
                t = new PromptTask(config != null && !config.task.isEmpty() ? config.task : "custom", prompts,
                        evalPrompts, rewards.build());
            } else if (prompts != null || rewardTerms > 0) {
                throw new IllegalArgumentException("task: give a task or prompts and rewards, not both");
            }
            if (config == null) config = t.defaults();
            return new RlTrainer(this, t);
        }
    }
}
