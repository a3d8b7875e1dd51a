package org.eapo4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link RlTrainer#train()} did, the layout of summary.json (docs/TRAINING.md): the task, weighting and seed, the
 * RL steps done in all sessions of the run, the evaluations by label (the first one, {@code init}; one per warm-up
 * stage but the last, e.g. {@code facts}; {@code warmup} after the warm-up; {@code final}, the last one), the last
 * step's metrics (the maps of metrics.jsonl, null where there was none), and where the results are.
 *
 * @param evaluations evaluation records by label: init, a stage name, warmup, final (absent labels left out)
 * @param hfModelDir  the fine-tuned policy in the Hugging Face layout, or null when the policy is not a Hugging Face
 *                    model
 */
public record RunSummary(String task, String weighting, long seed, int rlSteps, int processes,
                         double wallSecondsThisSession, Map<String, Map<String, Object>> evaluations,
                         Map<String, Object> lastStep, Path outputDir, Path hfModelDir) {

    /** The summary of a run from its metrics records (empty on ranks other than 0, which keep no log). */
    static RunSummary of(RlConfig cfg, int rlSteps, int processes, double wallSeconds, List<Map<String, Object>> rows,
                         Path dir, Path hf) {
        Map<String, Map<String, Object>> evals = new LinkedHashMap<>();
        Map<String, Object> lastStep = null, last = null;
        for (Map<String, Object> r : rows) {
            if ("eval".equals(r.get("kind"))) {
                String label = String.valueOf(r.get("policy"));
                if (evals.isEmpty()) evals.put("init", r);
                if (!"rl".equals(label) && !"init".equals(label)) evals.put(label, r);
                last = r;
            } else if ("rl".equals(r.get("kind"))) {
                lastStep = r;
            }
        }
        if (last != null) evals.put("final", last);
        return new RunSummary(cfg.task, cfg.weighting, cfg.seed, rlSteps, processes, wallSeconds, evals, lastStep,
                dir, hf);
    }

    /** The first evaluation of the run (of the starting policy), or null. */
    public Map<String, Object> firstEvaluation() {
        return evaluations.get("init");
    }

    /** The last evaluation of the run, or null. */
    public Map<String, Object> lastEvaluation() {
        return evaluations.get("final");
    }

    /** A held-out figure of the first or last evaluation, NaN when absent. */
    public double heldout(boolean last, String metric) {
        Map<String, Object> e = last ? lastEvaluation() : firstEvaluation();
        Object v = e == null ? null : e.get("heldout_" + metric);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** As written to summary.json: eval_init, eval_&lt;stage&gt;, eval_warmup, eval_final beside the run's facts. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("weighting", weighting);
        m.put("seed", seed);
        m.put("rl_steps", rlSteps);
        m.put("processes", processes);
        m.put("wall_time_s_this_session", wallSecondsThisSession);
        evaluations.forEach((label, e) -> m.put("eval_" + label, e));
        m.put("last_rl_step", lastStep);
        m.put("output_dir", outputDir.toString());
        m.put("hf_model_dir", hfModelDir == null ? null : hfModelDir.toString());
        return m;
    }
}
