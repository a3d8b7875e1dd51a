package org.eapo4j.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives a {@link Trainer} to the end of its run: evaluation of the untrained policy, the warm-up (fact corpus, then
 * answers; evaluated after each), the RL steps with periodic evaluation, checkpoints and plots, and a summary.json. In a
 * data-parallel run every rank drives its trainer through the same loop; each rank runs the (identical) evaluations
 * itself, so no rank waits on another outside the steps' collectives, and only rank 0 writes files. Re-entrant: on
 * a resumed trainer it picks up where the checkpoint left off. {@link TrainerCallback}s see every warm-up step, RL
 * step, evaluation and checkpoint.
 */
public final class RunLoop {
    private final Trainer t;
    private final Progress.Factory progress;
    private final PrintStream out;
    private final int logEvery;
    private final List<TrainerCallback> callbacks = new ArrayList<>();

    /** {@code progress} draws progress bars (the CLI passes one on a console); null prints log lines instead. */
    public RunLoop(Trainer t, Progress.Factory progress, PrintStream out, int logEvery) {
        this.t = t;
        this.progress = progress;
        this.out = out;
        this.logEvery = logEvery;
    }

    /** Adds a callback (called in the order added). */
    public RunLoop addCallback(TrainerCallback cb) {
        callbacks.add(cb);
        return this;
    }

    public Map<String, Object> run() {
        RlConfig cfg = t.config();
        boolean master = t.dataParallel().isMaster();   // data parallel: only rank 0 writes plots and the summary
        long t0 = System.nanoTime();
        if (!t.warmupDone()) {
            evaluateAndSay("init", "untrained policy");
            int steps = t.warmupSteps();
            try (Progress pb = bar("warm-up", steps)) {
                for (int i = 0; i < steps; i++) {
                    Map<String, Object> m = t.warmupStep();
                    for (TrainerCallback cb : callbacks) cb.onWarmupStep(new LinkedHashMap<>(m));
                    String msg = String.format("CE %.3f", num(m, "cross_entropy"));
                    if (pb != null) {
                        pb.stepTo(i + 1);
                        pb.message(msg);
                    } else if ((i + 1) % Math.max(1, logEvery * 5) == 0 || i + 1 == steps) {
                        out.printf("warm-up %d/%d %s%n", i + 1, steps, msg);
                    }
                    if (i + 1 == cfg.factWarmupSteps && cfg.sftWarmupSteps > 0) {   // facts known, answers not yet
                        if (pb != null) System.err.print("\r");
                        evaluateAndSay("facts", "after the fact corpus");
                    }
                }
            }
            Map<String, Object> w = evaluate("warmup");
            out.printf("warm-up policy: held-out reward %.3f (best-of-%d %.3f), train-question reward %.3f%n",
                    num(w, "heldout_reward_mean"), cfg.evalSamples, num(w, "heldout_best_of_g"),
                    num(w, "train_reward_mean"));
            t.finishWarmup();
            checkpointed();
        }
        if (t.startsFromWarmup())   // a run from a shared warm-up (--init-from): its start, as a fresh run has it
            evaluateAndSay("warmup", "warm-up policy (from the given checkpoint)");
        try (Progress pb = bar(t.config().weighting, cfg.steps)) {
            if (pb != null) pb.stepTo(t.currentStep());
            while (t.currentStep() < cfg.steps) {
                Map<String, Object> m = t.trainStep();
                for (TrainerCallback cb : callbacks) cb.onStep(new LinkedHashMap<>(m));
                int step = t.currentStep();
                String msg = String.format("r %.3f±%.3f H %.3f λ+ %.2f +/-/0 %.2f/%.2f/%.2f clip %.3f len %.1f %.2fs",
                        num(m, "reward_mean"), num(m, "reward_std"), num(m, "entropy_ht"), num(m, "lambda_pos"),
                        num(m, "frac_pos"), num(m, "frac_neg"), num(m, "frac_neutral"), num(m, "clip_frac"),
                        num(m, "response_len"), num(m, "step_time_s"));
                if (pb != null) {
                    pb.stepTo(step);
                    pb.message(msg);
                } else if (step % Math.max(1, logEvery) == 0 || step == cfg.steps) {
                    out.printf("[%s] step %d/%d %s%n", cfg.weighting, step, cfg.steps, msg);
                }
                boolean last = step == cfg.steps;
                if ((cfg.evalSteps > 0 && step % cfg.evalSteps == 0) || last) {
                    Map<String, Object> e = evaluate("rl");
                    String line = String.format("eval @%d: held-out reward %.3f best-of-G %.3f distinct-2 %.3f "
                                    + "self-BLEU %.3f key points/G %.2f | train-question reward %.3f", step,
                            num(e, "heldout_reward_mean"), num(e, "heldout_best_of_g"), num(e, "heldout_distinct_2"),
                            num(e, "heldout_self_bleu"), num(e, "heldout_keypoints_union"),
                            num(e, "train_reward_mean"));
                    if (pb != null) System.err.print("\r");
                    out.println(line);
                }
                if ((cfg.saveSteps > 0 && step % cfg.saveSteps == 0) || last) {
                    t.saveCheckpoint();
                    checkpointed();
                }
            }
        }
        if (cfg.steps == 0) {
            t.saveCheckpoint();
            checkpointed();
        }
        if (!master) return Map.of("rank", t.dataParallel().context().rank(), "rl_steps", t.currentStep());
        Map<String, Object> summary = summary((System.nanoTime() - t0) / 1e9);
        t.folder().writeSummary(summary);
        return summary;
    }

    private Map<String, Object> evaluate(String label) {
        Map<String, Object> e = t.evaluate(label);
        for (TrainerCallback cb : callbacks) cb.onEvaluation(new LinkedHashMap<>(e));
        return e;
    }

    /** Evaluates the policy as {@code label} and prints "what: held-out reward .., train-question reward ..". */
    private void evaluateAndSay(String label, String what) {
        Map<String, Object> e = evaluate(label);
        out.printf("%s: held-out reward %.3f, train-question reward %.3f%n", what, num(e, "heldout_reward_mean"),
                num(e, "train_reward_mean"));
    }

    private void checkpointed() {
        if (!t.dataParallel().isMaster()) return;   // only rank 0 wrote one
        for (TrainerCallback cb : callbacks) cb.onCheckpoint(t.checkpointPath());
    }

    private Progress bar(String name, int max) {
        return progress == null || max <= 0 ? null : progress.start(name, max);
    }

    /** First, warm-up and last evaluations and the last RL step's figures, from metrics.jsonl. */
    Map<String, Object> summary(double wallSeconds) {
        List<Map<String, Object>> rows = MetricsLog.read(t.metricsPath());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("weighting", t.config().weighting);
        s.put("seed", t.config().seed);
        s.put("rl_steps", t.currentStep());
        s.put("processes", t.dataParallel().worldSize());
        s.put("wall_time_s_this_session", wallSeconds);
        Map<String, Object> init = null, facts = null, warm = null, last = null, lastRl = null;
        for (Map<String, Object> r : rows) {
            if ("eval".equals(r.get("kind"))) {
                if ("init".equals(r.get("policy"))) init = r;
                else if ("facts".equals(r.get("policy"))) facts = r;
                else if ("warmup".equals(r.get("policy"))) warm = r;
                else last = r;
            } else if ("rl".equals(r.get("kind"))) lastRl = r;
        }
        s.put("eval_init", init);
        if (facts != null) s.put("eval_facts", facts);
        s.put("eval_warmup", warm);
        s.put("eval_final", last);
        s.put("last_rl_step", lastRl);
        return s;
    }

    static double num(Map<String, Object> m, String k) {
        return m == null ? Double.NaN : MetricsLog.num(m, k);
    }

    public static Path defaultOut(String prefix) {
        String ts = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", prefix + "-" + ts);
    }
}
