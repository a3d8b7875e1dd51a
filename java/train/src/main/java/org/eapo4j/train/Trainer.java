package org.eapo4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.FactCorpus;
import org.eapo4j.data.KeyPoint;
import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.QaDataset;
import org.eapo4j.data.QaItem;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.dist.DistContext;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.Generator;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.WeightingSchedule;
import org.eapo4j.rl.Weightings;

/**
 * One training run in one output folder: a supervised warm-up that stands in for a pretrained model (teacher forcing
 * on the {@link FactCorpus}, then on partial answers of the train questions), then RL steps, with held-out evaluation, metrics.jsonl, plots and a checkpoint every
 * few steps. The trainer wires the pieces that each do one job: {@link Rollouts} (G completions per prompt, through
 * the {@link CompletionGenerator} seam), {@link Scoring} (rewards through the {@link CompletionScorer} seam,
 * advantages, truncation mask), the old-policy pass and {@link PolicyUpdate} (minibatches, fused loss, AdamW; the
 * warm-up goes through the same update), {@link StepMetrics}, {@link RunFolder} and {@link CheckpointCodec}.
 *
 * <p>All randomness is a function of (seed, step): the questions of a step, the sampled tokens and the minibatch
 * order. A run resumed from its checkpoint therefore repeats exactly what the uninterrupted run would have done.
 *
 * <p>Every factory validates the configuration ({@link RlConfig#validate()}, then against the loaded data) and loads
 * the data before it writes anything; a factory that fails leaves no new files behind.
 */
public final class Trainer implements AutoCloseable {
    public static final String CHECKPOINT = RunFolder.CHECKPOINT;
    public static final String METRICS = RunFolder.METRICS;
    static final ObjectMapper JSON = new ObjectMapper();

    // RNG streams of Sampler.rng(seed, step, stream); prompts and sampling are Rollouts' (1, 2)
    private static final int S_WARMUP = 3, S_EVAL = 4;   // S_MINIBATCH = 5 is PolicyPass's

    private final RlConfig cfg;
    private final RunFolder folder;
    private final QaDataset train, heldout;
    private final WordTokenizer tok;
    private final FactCorpus facts;
    private final KeyPointReward reward = new KeyPointReward();
    private final TransformerLM model;
    private final CausalLM policy;
    private final CompletionGenerator generator;
    private final Rollouts<QaItem> rollouts;
    private final Scoring<QaItem> scoring;
    private final WeightingSchedule schedule;
    private final Evaluator evaluator;
    private final List<String> warnings;
    private CausalLM reference;
    private AdamW opt;
    private MetricsLog log;
    private int warmupStep, rlStep;
    private boolean warmupDone, fromWarmup;
    private List<ResumePolicy.Change> resumeChanges = List.of();
    private Consumer<String> console = s -> {};
    private DataParallel dp = DataParallel.single();   // dist: set by the factories that take a DistContext

    private Trainer(RlConfig cfg, Path outDir, WordTokenizer tok) {
        cfg.validate();
        this.cfg = cfg;
        this.folder = new RunFolder(outDir);
        train = QaDataset.load(cfg.trainData);
        heldout = QaDataset.load(cfg.heldoutData);
        this.tok = tok != null ? tok : WordTokenizer.build(List.of(train, heldout));
        facts = FactCorpus.of(List.of(train, heldout));
        warnings = new ArrayList<>(cfg.validateAgainstData(train.size(), heldout.size(), longestPrompt()));
        int cut = answersLongerThanRoom();
        if (cut > 0)
            warnings.add(cut + " reference answer(s) do not fit in max_len " + cfg.maxLen + " after their prompt "
                    + "and are cut in the warm-up");
        if (cfg.threads > 0) {
            torch.set_num_threads(cfg.threads);
            FusedKernels.setNumThreads(cfg.threads);
        }
        torch.manual_seed(cfg.seed);
        model = new TransformerLM(new ModelConfig(this.tok.size(), cfg.dModel, cfg.layers, cfg.heads, cfg.dFf,
                cfg.maxLen));
        policy = new BuiltinPolicy(model);
        generator = new Generator(model, WordTokenizer.EOA_ID, WordTokenizer.PAD_ID)::generate;
        schedule = Weightings.parse(cfg.weighting, cfg.eapoConfig());
        evaluator = new Evaluator(this.tok, reward);
        opt = new AdamW(policy.namedParameters(), cfg.weightDecay);
        int pool = cfg.rlQuestions > 0 ? Math.min(cfg.rlQuestions, train.size()) : train.size();
        rollouts = new Rollouts<>(train.items().subList(0, pool), QaItem::question, this.tok::encodePrompt, generator,
                cfg.promptsPerStep, cfg.numGenerations, cfg.sampling(), cfg.seed);
        CompletionScorer<QaItem> score = (p, c, item, truncated) -> reward.score(item, c, !truncated).reward();
        CompletionScorer<QaItem> coverage = (p, c, item, truncated) -> reward.score(item, c, !truncated).coverage();
        scoring = new Scoring<>(score, Map.of("coverage", coverage), this.tok::decode, cfg.rewardScaling(),
                cfg.maskTruncatedCompletions);
    }

    /**
     * A fresh run in {@code outDir}, or the run already there resumed (settings as {@link #resume(Path, RlConfig)}
     * allows).
     */
    public static Trainer open(RlConfig cfg, Path outDir) {
        return open(cfg, outDir, DistContext.single());
    }

    /**
     * As {@link #open(RlConfig, Path)}, as one rank of a data-parallel run (see {@link DataParallel}): only rank 0
     * writes into {@code outDir}; the ranks' settings and start points are checked equal and rank 0's parameters
     * broadcast before this returns.
     */
    public static Trainer open(RlConfig cfg, Path outDir, DistContext dist) {
        if (new RunFolder(outDir).hasCheckpoint()) return resume(outDir, stored -> cfg, dist);
        Trainer t = new Trainer(cfg, outDir, null);
        t.attach(dist);
        t.startFresh();
        t.joinRanks();
        return t;
    }

    /** Continues the run in {@code outDir} from its checkpoint, with the configuration stored there. */
    public static Trainer resume(Path outDir) {
        return resume(outDir, (RlConfig) null);
    }

    /**
     * Continues the run in {@code outDir} with {@code requested} settings (null = the stored ones): settings that a
     * resumed run may change ({@link ResumePolicy#CHANGEABLE}) are applied and listed in {@link #resumeChanges()};
     * any other difference is refused.
     *
     * @throws ResumePolicy.Conflict a setting that fixes what the run computes differs
     * @throws CheckpointException   the checkpoint is missing or corrupt
     */
    public static Trainer resume(Path outDir, RlConfig requested) {
        return resume(outDir, stored -> requested == null ? stored : requested);
    }

    /**
     * As {@link #resume(Path, RlConfig)}, the requested settings computed from the stored ones (a copy), e.g. the
     * CLI's flags applied over them.
     */
    public static Trainer resume(Path outDir, java.util.function.UnaryOperator<RlConfig> request) {
        return resume(outDir, request, DistContext.single());
    }

    /**
     * As {@link #resume(Path, java.util.function.UnaryOperator)}, as one rank of a data-parallel run: every rank reads
     * the checkpoint (the folder must be visible to all, e.g. one machine or a shared file system), only rank 0
     * writes. The checkpoint holds no per-rank state, so a run may resume with another number of ranks.
     */
    public static Trainer resume(Path outDir, java.util.function.UnaryOperator<RlConfig> request, DistContext dist) {
        RunFolder f = new RunFolder(outDir);
        CheckpointCodec.Loaded ck = CheckpointCodec.read(f.checkpoint());
        RlConfig cfg = ck.state().config();
        RlConfig requested = request.apply(cfg.copy());
        List<ResumePolicy.Change> changes = List.of();
        if (requested != null) {
            requested.validate();
            changes = ResumePolicy.check(outDir, cfg, requested, ck.state().rlStep());
            cfg = requested.copy();
        }
        Trainer t = new Trainer(cfg, outDir, builtinTokenizer(ck));
        t.attach(dist);
        t.restore(ck);
        t.resumeChanges = changes;
        if (t.dp.isMaster()) {
            t.folder.prepare();
            t.log = t.folder.resumedLog(t.warmupStep, t.rlStep);
            if (!changes.isEmpty()) t.folder.writeConfig(cfg);
        }
        t.joinRanks();
        return t;
    }

    /**
     * A fresh run whose policy (and tokenizer) is the warm-up result stored in {@code warmupCheckpoint}: no warm-up
     * of its own. The comparison grid uses this so that every weighting of a seed starts from the same policy.
     */
    public static Trainer fromWarmup(RlConfig cfg, Path outDir, Path warmupCheckpoint) {
        return fromWarmup(cfg, outDir, warmupCheckpoint, DistContext.single());
    }

    /** As {@link #fromWarmup(RlConfig, Path, Path)}, as one rank of a data-parallel run. */
    public static Trainer fromWarmup(RlConfig cfg, Path outDir, Path warmupCheckpoint, DistContext dist) {
        CheckpointCodec.Loaded ck = CheckpointCodec.read(warmupCheckpoint);
        Trainer t = new Trainer(cfg, outDir, builtinTokenizer(ck));
        t.attach(dist);
        CheckpointCodec.restoreTensors(ck, t.policy, null);
        t.warmupDone = true;
        t.fromWarmup = true;
        t.warmupStep = ck.state().warmupStep();
        if (cfg.beta > 0) t.reference = t.policy.frozenCopy();
        t.startFresh();
        t.joinRanks();
        return t;
    }

    /** The policy stored in a checkpoint file, for evaluation (no run folder, no metrics log). */
    public static Trainer load(Path checkpointFile) {
        CheckpointCodec.Loaded ck = CheckpointCodec.read(checkpointFile);
        Trainer t = new Trainer(ck.state().config(), checkpointFile.toAbsolutePath().getParent(),
                builtinTokenizer(ck));
        t.restore(ck);
        return t;
    }

    /** The word tokenizer stored with a built-in-model checkpoint. */
    private static WordTokenizer builtinTokenizer(CheckpointCodec.Loaded ck) {
        if (ck.state().vocab().isEmpty())
            throw new CheckpointException(ck.file(), "holds a model with its own tokenizer (written by RlTrainer, e.g. "
                    + "train --model): continue it with the same --model, not as a built-in-model run");
        return new WordTokenizer(ck.state().vocab());
    }

    /** Tokens of the longest prompt of either data file. */
    private int longestPrompt() {
        int m = 0;
        for (QaDataset d : List.of(train, heldout))
            for (QaItem it : d.items()) m = Math.max(m, tok.encodePrompt(it.question()).length);
        return m;
    }

    /** Train items whose prompt + reference answer exceed max_len (the warm-up cuts their answers). */
    private int answersLongerThanRoom() {
        int n = 0;
        for (QaItem it : train.items())
            if (tok.encodePrompt(it.question()).length + tok.encodeAnswer(it.referenceAnswer()).length > cfg.maxLen) n++;
        return n;
    }

    /** Creates the run folder, writes config.json and a new metrics log; on failure removes what it created. */
    private void startFresh() {
        if (!dp.isMaster()) return;   // dist: only rank 0 writes
        log = folder.startFresh(cfg);
    }

    // ---------------------------------------------------------------- data parallel (dist hooks)

    /** Uses {@code dist} for this trainer's steps; refuses more ranks than prompt groups per step. */
    private void attach(DistContext dist) {
        if (dist.worldSize() > rollouts.groupsPerStep())
            throw new ConfigException("prompts_per_step", "a run on " + dist.worldSize() + " processes needs at least "
                    + dist.worldSize() + " prompts per step (a prompt group never spans processes), got "
                    + rollouts.groupsPerStep());
        dp = new DataParallel(dist);
    }

    /** The start-up check and broadcast of {@link DataParallel#join} (a no-op for one process). */
    private void joinRanks() {
        List<Tensor> trained = new ArrayList<>(policy.namedParameters().values()), more = new ArrayList<>();
        more.addAll(opt.stateTensors().values());
        if (reference != null) more.addAll(reference.namedParameters().values());
        try {
            dp.join(DistState.of(cfg, tok, train.size(), heldout.size(), warmupStep, warmupDone, rlStep), trained, more);
        } catch (RuntimeException e) {   // e.g. the ranks disagree: leave nothing behind, as any failed factory
            close();
            if (dp.isMaster()) folder.discardIfCreated();
            throw e;
        }
    }

    /** This trainer's place in a data-parallel run ({@link DataParallel#single()} for one process). */
    public DataParallel dataParallel() {
        return dp;
    }

    /** Evaluates the current policy on {@code data} (first {@code questions} items, 0 = all), G answers each. */
    public Map<String, Object> evaluateOn(QaDataset data, int questions, int samples, SamplingConfig sampling,
                                          long seed) {
        List<QaItem> items = data.items();
        if (questions > 0 && questions < items.size()) items = items.subList(0, questions);
        Evaluator.Result r = evaluator.evaluate(generator, items, samples, sampling, Sampler.rng(seed, 0, S_EVAL));
        Map<String, Object> m = new LinkedHashMap<>(r.metrics());
        m.put("examples", r.samples());
        return m;
    }

    public void setConsole(Consumer<String> console) {
        this.console = console;
    }

    public RlConfig config() {
        return cfg;
    }

    public Path outDir() {
        return folder.dir();
    }

    public RunFolder folder() {
        return folder;
    }

    public TransformerLM model() {
        return model;
    }

    /** The policy through the model interface (the same parameters as {@link #model()}). */
    public CausalLM policy() {
        return policy;
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

    /** Built from a warm-up checkpoint ({@link #fromWarmup}) and no RL step done yet: its start is not evaluated. */
    public boolean startsFromWarmup() {
        return fromWarmup && rlStep == 0;
    }

    /** The run has done all its RL steps. */
    public boolean finished() {
        return warmupDone && rlStep >= cfg.steps;
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

    /** Values the data caps or cuts (one line each), found when the trainer was built. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The settings a resume changed (empty for a fresh run or an unchanged resume). */
    public List<ResumePolicy.Change> resumeChanges() {
        return resumeChanges;
    }

    // ---------------------------------------------------------------- warm-up

    /** Warm-up steps in all: the fact corpus, then the answers. */
    public int warmupSteps() {
        return cfg.factWarmupSteps + cfg.sftWarmupSteps;
    }

    /** The warm-up is past its fact-corpus steps (its answer steps, if any, come next). */
    public boolean factsDone() {
        return warmupStep >= cfg.factWarmupSteps;
    }

    /**
     * One teacher-forcing step through the RL update code ({@link PolicyUpdate#supervised}: ratio 1, A = 1, w = 1,
     * token-mean, i.e. the cross-entropy gradient): on fact sentences during the first fact_warmup_steps (the whole
     * sentence is the target, after {@code <bos>}), then on answers of train questions (the answer after the prompt).
     */
    public Map<String, Object> warmupStep() {
        long t0 = System.nanoTime();
        SplittableRandom rng = Sampler.rng(cfg.seed, warmupStep, S_WARMUP);
        boolean onAnswers = factsDone();
        int n = onAnswers ? Math.min(cfg.sftWarmupBatch, train.size()) : cfg.sftWarmupBatch;
        int[][] prompts = new int[n][], answers = new int[n][];
        for (int i = 0; i < n; i++) {
            if (onAnswers) {
                QaItem it = train.items().get(rng.nextInt(train.size()));
                prompts[i] = tok.encodePrompt(it.question());
                answers[i] = tok.encodeAnswer(cfg.sftPartialPoints == 0 ? it.referenceAnswer()
                        : partialAnswer(it, cfg.sftPartialPoints, rng));
            } else {
                prompts[i] = new int[] {WordTokenizer.BOS_ID};
                answers[i] = tok.encodeAnswer(facts.sentences().get(rng.nextInt(facts.size())));
            }
            int room = cfg.maxLen - prompts[i].length;   // the position table ends at max_len
            if (answers[i].length > room) answers[i] = java.util.Arrays.copyOf(answers[i], room);
        }
        int[] mine = dp.rowRange(n);   // dist: this rank's rows of the warm-up batch
        SequenceBatch batch = new SequenceBatch(java.util.Arrays.copyOfRange(prompts, mine[0], mine[1]),
                java.util.Arrays.copyOfRange(answers, mine[0], mine[1]), WordTokenizer.PAD_ID);
        PolicyUpdate.SupervisedStats s = PolicyUpdate.supervised(policy, opt, batch, cfg.sftWarmupLr * warmupLrScale(),
                cfg.maxGradNorm, dp);
        warmupStep++;
        PolicyPass.requireFinite("warm-up step " + warmupStep, "cross-entropy", s.crossEntropy(), "sft_warmup_lr");
        Map<String, Object> m = StepMetrics.warmup(warmupStep, s, t0);
        if (log != null) log.write(m);
        return m;
    }

    /** A partial answer: {@code k} of the question's key points (canonical names), a random choice in random order. */
    static String partialAnswer(QaItem it, int k, SplittableRandom rng) {
        k = Math.min(k, it.keyPoints().size());
        List<KeyPoint> points = new ArrayList<>(it.keyPoints());
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < k; j++) {   // a partial Fisher-Yates shuffle: the first k of a random order
            java.util.Collections.swap(points, j, j + rng.nextInt(points.size() - j));
            sb.append(j == 0 ? "" : ", ").append(points.get(j).name());
        }
        return sb.append('.').toString();
    }

    /** Cosine decay to 10% over each stage of the warm-up (the fact corpus, then the answers). */
    private double warmupLrScale() {
        int stage = factsDone() ? cfg.sftWarmupSteps : cfg.factWarmupSteps;
        int at = factsDone() ? warmupStep - cfg.factWarmupSteps : warmupStep;
        double p = stage <= 1 ? 0 : (double) at / (stage - 1);
        return 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p)));
    }

    /** Ends the warm-up: fresh optimizer state for RL, the frozen reference, a checkpoint. */
    public void finishWarmup() {
        warmupDone = true;
        opt = new AdamW(policy.namedParameters(), cfg.weightDecay);
        if (cfg.beta > 0) reference = policy.frozenCopy();
        saveCheckpoint();
    }

    // ---------------------------------------------------------------- RL

    /** One RL step (rollouts, rewards, advantages, weights, update); returns and logs its metrics. */
    public Map<String, Object> trainStep() {
        if (!warmupDone) throw new IllegalStateException("warm-up not finished");
        long t0 = System.nanoTime();
        int step = rlStep + 1;
        dp.takeCommSeconds();
        RolloutBatch<QaItem> rb = rollouts.sample(step, dp.shard(rollouts.groupsPerStep()));   // dist: my groups
        long tGen = System.nanoTime();
        Scoring.Sharded scored = scoring.score(rb, dp);   // dist: advantages over the global batch
        ScoredBatch sc = scored.local();
        long tScore = System.nanoTime();

        SequenceBatch batch = new SequenceBatch(rb.prompts(), rb.generation().responses(), WordTokenizer.PAD_ID);
        PolicyPass.Result pass = PolicyPass.run(cfg, policy, reference, opt, schedule, batch, sc, step, dp);
        rlStep = step;
        long tUpdate = System.nanoTime();

        double h0 = schedule instanceof EapoWeighting e ? e.h0() : Double.NaN;
        Map<String, Object> m = StepMetrics.rl(step, scored.global(), scored.meanResponseLength(), pass.entropy(), h0,
                pass.weights(), pass.stats(),
                new StepMetrics.Times(t0, tGen, tScore, pass.oldPassDone(), tUpdate, dp.takeCommSeconds()));
        if (log != null) log.write(m);
        return m;
    }

    public SamplingConfig sampling() {
        return cfg.sampling();
    }

    /** Held-out (and a fixed train subset) evaluation of the current policy, logged with the given label. */
    public Map<String, Object> evaluate(String policyLabel) {
        long t0 = System.nanoTime();
        List<QaItem> ho = heldout.items();
        if (cfg.evalQuestions > 0 && cfg.evalQuestions < ho.size()) ho = ho.subList(0, cfg.evalQuestions);
        List<QaItem> tr = train.items().subList(0, Math.min(cfg.trainEvalQuestions, train.size()));
        int evalStep = "init".equals(policyLabel) ? -1 : rlStep;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "eval");
        m.put("step", evalStep);
        m.put("policy", policyLabel);
        Evaluator.Result h = evaluator.evaluate(generator, ho, cfg.evalSamples, sampling(),
                Sampler.rng(cfg.seed, 1000003L + evalStep, S_EVAL));
        h.metrics().forEach((k, v) -> m.put("heldout_" + k, v));
        if (!tr.isEmpty()) {
            Evaluator.Result t = evaluator.evaluate(generator, tr, cfg.evalSamples, sampling(),
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
        return folder.checkpoint();
    }

    public void saveCheckpoint() {
        saveCheckpoint(checkpointPath());
    }

    public void saveCheckpoint(Path file) {
        if (!dp.isMaster()) return;   // dist: only rank 0 writes
        CheckpointCodec.State s = new CheckpointCodec.State(cfg, tok.vocabulary(), warmupStep, warmupDone, rlStep,
                opt.stepCount(), schedule.state());
        CheckpointCodec.write(file, s, schedule, policy, opt, reference);
    }

    private void restore(CheckpointCodec.Loaded ck) {
        CheckpointCodec.State s = ck.state();
        warmupStep = s.warmupStep();
        warmupDone = s.warmupDone();
        rlStep = s.rlStep();
        CheckpointCodec.restoreTensors(ck, policy, opt);
        if (cfg.beta > 0 && warmupDone) {
            reference = policy.frozenCopy();
            CheckpointCodec.restoreReference(ck, reference);
        }
        schedule.restore(s.schedule());
    }

    @Override
    public void close() {
        if (log != null) log.close();
        log = null;
        dp.close();
    }

    public Path metricsPath() {
        return folder.metrics();
    }

    public void log(String line) {
        console.accept(line);
    }
}
