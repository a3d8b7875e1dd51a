package org.eapo4j.train;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eapo4j.data.WordTokenizer;

/**
 * The text every rank of a data-parallel run must agree on before the first step (compared by
 * {@code DistContext.checkSameConfig}, which names the first differing field): the canonical configuration JSON,
 * what the data and the tokenizer look like, and where the run starts (fresh, or the step of the checkpoint it
 * resumes).
 */
final class DistState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DistState() {}

    static String of(RlConfig cfg, int vocabSize, List<String> vocab, int trainSize, int heldoutSize, int warmupStep,
                     boolean warmupDone, int rlStep) {
        ObjectNode root = JSON.createObjectNode();
        root.set("config", cfg.toTree());
        ObjectNode data = root.putObject("data");
        data.put("train_records", trainSize);
        data.put("heldout_records", heldoutSize);
        data.put("vocabulary_size", vocabSize);
        data.put("vocabulary_hash", String.join("\n", vocab).hashCode());
        ObjectNode start = root.putObject("start");
        start.put("warmup_step", warmupStep);
        start.put("warmup_done", warmupDone);
        start.put("rl_step", rlStep);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
