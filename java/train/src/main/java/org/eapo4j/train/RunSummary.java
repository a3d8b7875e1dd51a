package org.eapo4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link RlTrainer#train()} did: the RL steps done in all sessions of the run, the first and last evaluation and
 * the last step's metrics (the same maps as metrics.jsonl, null where there was none), and where the results are.
 *
 * @param hfModelDir the fine-tuned policy in the Hugging Face layout, or null when the policy is not a Hugging Face
 *                   model
 */
public record RunSummary(String weighting, long seed, int rlSteps, double wallSecondsThisSession,
                         Map<String, Object> firstEvaluation, Map<String, Object> lastEvaluation,
                         Map<String, Object> lastStep, Path outputDir, Path hfModelDir) {

    /** A held-out figure of the first or last evaluation, NaN when absent. */
    public double heldout(boolean last, String metric) {
        Map<String, Object> e = last ? lastEvaluation : firstEvaluation;
        Object v = e == null ? null : e.get("heldout_" + metric);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** As written to summary.json. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weighting", weighting);
        m.put("seed", seed);
        m.put("rl_steps", rlSteps);
        m.put("wall_time_s_this_session", wallSecondsThisSession);
        m.put("eval_init", firstEvaluation);
        m.put("eval_final", lastEvaluation);
        m.put("last_rl_step", lastStep);
        m.put("output_dir", outputDir.toString());
        m.put("hf_model_dir", hfModelDir == null ? null : hfModelDir.toString());
        return m;
    }
}
