package org.eapo4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a resumed run may change. A resumed run repeats exactly what the uninterrupted run would have computed, so
 * only the settings that do not enter the computation may differ from the stored ones ({@link #CHANGEABLE}:
 * length, evaluation and checkpoint cadence, threads); they are applied and reported. Any other difference is
 * refused with a {@link Conflict} that lists every conflicting setting.
 */
public final class ResumePolicy {
    /** Settings a resumed run may change (JSON names). */
    public static final Set<String> CHANGEABLE = Set.of("steps", "eval_steps", "eval_strategy", "eval_questions", "eval_samples",
            "train_eval_questions", "save_steps", "threads", "check_memory");

    /** One setting that differs: its JSON name, the run's value and the requested one. */
    public record Change(String field, String from, String to) {
        @Override
        public String toString() {
            return field + " " + from + " -> " + to;
        }
    }

    /** The refusal: the run's settings that the request would change but a resumed run cannot. */
    public static final class Conflict extends ConfigException {
        private final List<Change> changes;

        public Conflict(Path dir, List<Change> changes) {
            super(changes.stream().map(Change::field).toList(), "cannot resume " + dir + " with changed settings "
                    + "that fix what the run computes: " + String.join(", ", changes.stream().map(Change::toString)
                    .toList()) + " (a resumed run may change only " + String.join(", ", CHANGEABLE.stream().sorted()
                    .toList()) + "; start a new run in another folder, or from this run's checkpoint with init-from)");
            this.changes = List.copyOf(changes);
        }

        public List<Change> changes() {
            return changes;
        }
    }

    private ResumePolicy() {}

    /** Every setting whose value differs, in declaration order. */
    public static List<Change> diff(RlConfig stored, RlConfig requested) {
        ObjectNode a = stored.toTree(), b = requested.toTree();
        List<Change> out = new ArrayList<>();
        for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            JsonNode x = a.get(k), y = b.get(k);
            if (!x.equals(y)) out.add(new Change(k, text(x), text(y)));
        }
        return out;
    }

    /**
     * The changes to apply when resuming the run in {@code dir} (done {@code rlStepsDone} RL steps) with
     * {@code requested}.
     *
     * @throws Conflict       a setting outside {@link #CHANGEABLE} differs
     * @throws ConfigException steps would end the run before the steps it has done
     */
    public static List<Change> check(Path dir, RlConfig stored, RlConfig requested, int rlStepsDone) {
        List<Change> changes = diff(stored, requested);
        List<Change> conflicts = changes.stream().filter(c -> !CHANGEABLE.contains(c.field())).toList();
        if (!conflicts.isEmpty()) throw new Conflict(dir, conflicts);
        if (requested.steps < rlStepsDone)
            throw new ConfigException("steps", "the run in " + dir + " has done " + rlStepsDone + " RL steps; "
                    + "steps " + requested.steps + " would end it before that (give steps >= " + rlStepsDone + ")");
        return changes;
    }

    private static String text(JsonNode n) {
        return n == null ? "(none)" : n.isTextual() ? n.asText() : n.toString();
    }
}
