package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against hostile input: every case must end with the expected exit code (2 bad input, 1 environment),
 * exactly one line on stderr naming the flag, field, file or value, no exception name or stack frame in it, and no
 * file left behind. Runs in-process through {@link Main#execute} (the exit code the launcher would return); most
 * cases fail before any training, the rest use a tiny model for a step or two.
 */
class HostileCliTest {
    @TempDir static Path tmp;
    static Path run;          // a finished tiny run (1 warm-up step, 1 RL step)
    static Path checkpoint;   // its checkpoint

    /** A tiny, fast configuration on the embedded data. */
    static final String[] TINY = {"--task", "medqa", "--d-model", "16", "--heads", "2", "--layers", "1", "--d-ff", "32",
        "--fact-steps", "1", "--warmup-steps", "1", "--warmup-batch", "4", "--steps", "1", "--prompts", "2", "--group", "2",
        "--minibatches", "1", "--max-new", "6", "--eval-questions", "1", "--train-eval-questions", "1",
        "--eval-samples", "2", "--rl-questions", "4", "--no-progress"};

    record Result(int rc, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static synchronized Result cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int rc = Main.execute(args);
            return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** train with the tiny settings, {@code overrides} replacing a tiny flag of the same name. */
    static String[] train(String... overrides) {
        List<String> a = new ArrayList<>(List.of("train"));
        List<String> over = List.of(overrides);
        for (int i = 0; i < TINY.length; i++) {
            String f = TINY[i];
            boolean hasValue = i + 1 < TINY.length && !TINY[i + 1].startsWith("--");
            if (!over.contains(f)) {
                a.add(f);
                if (hasValue) a.add(TINY[i + 1]);
            }
            if (hasValue) i++;
        }
        a.addAll(over);
        return a.toArray(String[]::new);
    }

    static Set<String> tree() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.map(p -> tmp.relativize(p).toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Runs a hostile command line and checks rc, one clean stderr line containing {@code says}, no new files. */
    static Result rejected(int rc, String says, String... args) throws IOException {
        Set<String> before = tree();
        Result r = cli(args);
        String what = String.join(" ", args) + "\nstderr:\n" + r.err();
        assertEquals(rc, r.rc(), "exit code of " + what);
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "one line on stderr for " + what);
        String line = lines.get(0);
        assertTrue(line.startsWith("eapo4j: "), what);
        assertTrue(line.contains(says), "'" + says + "' expected in: " + line);
        assertFalse(line.contains("Exception"), "exception name in: " + line);
        assertFalse(r.err().contains("\tat "), "stack frame in: " + what);
        Set<String> after = tree();
        after.removeAll(before);
        assertEquals(Set.of(), after, "files left behind by " + what);
        return r;
    }

    static Path file(String name, byte[] content) throws IOException {
        Path p = tmp.resolve("inputs").resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return p;
    }

    static Path file(String name, String content) throws IOException {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    static String out(String name) {
        return tmp.resolve("out").resolve(name).toString();
    }

    @BeforeAll
    static void finishedTinyRun() {
        run = tmp.resolve("fixture-run");
        Result r = cli(train("--out", run.toString()));
        assertEquals(0, r.rc(), "tiny fixture run failed:\n" + r.out() + r.err());
        checkpoint = run.resolve("checkpoint.bin");
        assertTrue(Files.isRegularFile(checkpoint));
    }

    // ---------------------------------------------------------------- flag values (one validation layer)

    @Test
    void nonFiniteAndOutOfRangeNumbers() throws IOException {
        rejected(2, "--lr (learning_rate): must be a finite number, got Infinity", train("--lr", "Infinity", "--out", out("a")));
        rejected(2, "--lr (learning_rate)", train("--lr", "NaN", "--out", out("a")));
        rejected(2, "--lr (learning_rate): must be in (0, 1], got 5.0", train("--lr", "5", "--out", out("a")));
        rejected(2, "--warmup-lr (sft_warmup_lr): must be a finite number, got NaN", train("--warmup-lr", "NaN", "--out", out("a")));
        rejected(2, "--max-grad-norm (max_grad_norm): must be a finite number, got NaN", train("--max-grad-norm", "NaN", "--out", out("a")));
        rejected(2, "--max-grad-norm", train("--max-grad-norm", "-1", "--out", out("a")));
        rejected(2, "--temperature: must be in [0.01, 100.0]", train("--temperature", "1e-30", "--out", out("a")));
        rejected(2, "--temperature", train("--temperature", "-1", "--out", out("a")));
        rejected(2, "--top-p (top_p): must be in (0, 1]", train("--top-p", "0", "--out", out("a")));
        rejected(2, "--top-p", train("--top-p", "1.5", "--out", out("a")));
        rejected(2, "--top-k (top_k)", train("--top-k", "-1", "--out", out("a")));
        rejected(2, "--clip-low (epsilon): must be in [0, 1)", train("--clip-low", "1.5", "--out", out("a")));
        rejected(2, "--clip-high (epsilon_high)", train("--clip-high", "-0.1", "--out", out("a")));
        rejected(2, "--dual-clip (dual_clip): must be 0 (off) or > 1", train("--dual-clip", "0.5", "--out", out("a")));
        rejected(2, "--kl (beta): must be >= 0", train("--kl", "-1", "--out", out("a")));
        rejected(2, "--entropy-coef", train("--entropy-coef", "Infinity", "--out", out("a")));
        rejected(2, "--weight-decay (weight_decay)", train("--weight-decay", "-0.1", "--out", out("a")));
        rejected(2, "--alpha (eapo_alpha)", train("--alpha", "NaN", "--out", out("a")));
        rejected(2, "--lambda-max (lambda_max): lambda_max (1.0) must be >= lambda_min (2.0)",
                train("--lambda-min", "2", "--lambda-max", "1", "--out", out("a")));
        rejected(2, "--entropy-ema (entropy_ema): must be in [0, 1)", train("--entropy-ema", "1", "--out", out("a")));
        rejected(2, "--h0-steps (h0_steps)", train("--h0-steps", "0", "--out", out("a")));
    }

    @Test
    void countsAndSizes() throws IOException {
        rejected(2, "--warmup-batch (sft_warmup_batch): must be in [1, 4096], got 0", train("--warmup-batch", "0", "--out", out("a")));
        rejected(2, "--eval-samples (eval_samples): must be in [1, 4096], got 0", train("--eval-samples", "0", "--out", out("a")));
        rejected(2, "--threads: must be in [0, 256], got -1", train("--threads", "-1", "--out", out("a")));
        rejected(2, "--minibatches: minibatches (100) must be <= the 4 rollouts of a step",
                train("--minibatches", "100", "--out", out("a")));
        rejected(2, "--minibatches", train("--minibatches", "0", "--out", out("a")));
        rejected(2, "--group (num_generations): must be in [2, 4096], got 1", train("--group", "1", "--out", out("a")));
        rejected(2, "--prompts (prompts_per_step)", train("--prompts", "0", "--out", out("a")));
        rejected(2, "--prompts (prompts_per_step): prompts_per_step x num_generations = 1000000",
                train("--prompts", "1000", "--group", "1000", "--out", out("a")));
        rejected(2, "--steps: must be in [0, 10000000], got -1", train("--steps", "-1", "--out", out("a")));
        rejected(2, "--warmup-steps", train("--warmup-steps", "-5", "--out", out("a")));
        rejected(2, "--fact-steps", train("--fact-steps", "-1", "--out", out("a")));
        rejected(2, "--partial-points", train("--partial-points", "-2", "--out", out("a")));
        // the built-in model's own flags are refused for a --model run, not ignored
        rejected(2, "--fact-steps", "train", "--model", tmp.resolve("no-model").toString(), "--fact-steps", "5",
                "--out", out("m"));
        rejected(2, "--d-model", "train", "--model", tmp.resolve("no-model").toString(), "--d-model", "64",
                "--out", out("m"));
        rejected(2, "--epochs (num_iterations)", train("--epochs", "0", "--out", out("a")));
        rejected(2, "--eval-every (eval_steps)", train("--eval-every", "-1", "--out", out("a")));
        rejected(2, "--checkpoint-every (save_steps)", train("--checkpoint-every", "-1", "--out", out("a")));
        rejected(2, "--rl-questions (rl_questions)", train("--rl-questions", "-1", "--out", out("a")));
        rejected(2, "--eval-questions (eval_questions)", train("--eval-questions", "-3", "--out", out("a")));
    }

    @Test
    void modelShape() throws IOException {
        rejected(2, "--d-model (d_model): must be in [1, 8192], got 0", train("--d-model", "0", "--out", out("a")));
        rejected(2, "--heads: must be", train("--heads", "0", "--out", out("a")));
        rejected(2, "--d-model (d_model): d_model (16) must be divisible by heads (3)", train("--heads", "3", "--out", out("a")));
        rejected(2, "--layers: must be", train("--layers", "0", "--out", out("a")));
        rejected(2, "--d-ff (d_ff)", train("--d-ff", "-1", "--out", out("a")));
        rejected(2, "--max-len (max_len)", train("--max-len", "100000", "--out", out("a")));
        rejected(2, "--max-new (max_completion_length): max_completion_length (200) must be < max_len (96)",
                train("--max-new", "200", "--out", out("a")));
        rejected(2, "--max-len (max_len): max_len (8) leaves no room for a completion after the longest prompt",
                train("--max-len", "8", "--max-new", "4", "--out", out("a")));
    }

    @Test
    void namesAndParsing() throws IOException {
        rejected(2, "--weighting: unknown weighting 'ppo'", train("--weighting", "ppo", "--out", out("a")));
        rejected(2, "--weighting", train("--weighting", "fixed:a,b", "--out", out("a")));
        rejected(2, "--aggregation (loss_type): unknown loss_type 'mean'", train("--aggregation", "mean", "--out", out("a")));
        rejected(2, "--scale-rewards (scale_rewards): unknown reward scaling 'std'", train("--scale-rewards", "std", "--out", out("a")));
        rejected(2, "--no-std-scale contradicts --scale-rewards group",
                train("--no-std-scale", "--scale-rewards", "group", "--out", out("a")));
        rejected(2, "--steps", train("--steps", "abc", "--out", out("a")));
        rejected(2, "Unknown option: '--no-such-flag'", train("--no-such-flag", "--out", out("a")));
        rejected(2, "Expected parameter for option", train("--lr", "--out", out("a")));
        rejected(2, "Unmatched argument", "no-such-command");
    }

    // ---------------------------------------------------------------- config files

    @Test
    void configFiles() throws IOException {
        rejected(2, "--config: no such file: ", train("--config", tmp.resolve("missing.json").toString(), "--out", out("a")));
        rejected(2, "is a directory", train("--config", tmp.toString(), "--out", out("a")));
        rejected(2, "broken JSON", train("--config", file("broken.json", "{\"steps\": 3,").toString(), "--out", out("a")));
        rejected(2, "unknown field 'stepz'", train("--config", file("unknown.json", "{\"stepz\": 3}").toString(), "--out", out("a")));
        rejected(2, "'groupSize' (now 'num_generations')",
                train("--config", file("legacy.json", "{\"groupSize\": 4}").toString(), "--out", out("a")));
        rejected(2, "steps: wrong type", train("--config", file("type.json", "{\"steps\": \"ten\"}").toString(), "--out", out("a")));
        rejected(2, "steps: wrong type", train("--config", file("float.json", "{\"steps\": 2.5}").toString(), "--out", out("a")));
        rejected(2, "wrong type", train("--config", file("null.json", "{\"learning_rate\": null}").toString(), "--out", out("a")));
        rejected(2, "must hold a JSON object", train("--config", file("array.json", "[1, 2]").toString(), "--out", out("a")));
        rejected(2, "broken JSON", train("--config", file("dup.json", "{\"steps\": 1, \"steps\": 2}").toString(), "--out", out("a")));
        rejected(2, "broken JSON", train("--config", file("nan.json", "{\"learning_rate\": NaN}").toString(), "--out", out("a")));
        rejected(2, "not UTF-8", train("--config", file("latin1.json", new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'})
                .toString(), "--out", out("a")));
        rejected(2, "--lr (learning_rate): must be in (0, 1], got -1.0",
                train("--config", file("bad-value.json", "{\"learning_rate\": -1}").toString(), "--out", out("a")));
        // a flag fixes a bad file value: accepted up to the first real problem (here an invalid flag)
        rejected(2, "--threads", train("--config", file("ok.json", "{\"learning_rate\": 2}").toString(), "--lr", "0.1",
                "--threads", "-1", "--out", out("a")));
    }

    // ---------------------------------------------------------------- data files

    @Test
    void dataFiles() throws IOException {
        rejected(2, "not UTF-8 text", train("--train-data", file("latin1.jsonl", new byte[] {'{', (byte) 0xe9, (byte) 0xff, '}', '\n'})
                .toString(), "--out", out("a")));
        rejected(2, "is a directory", train("--train-data", tmp.toString(), "--out", out("a")));
        rejected(2, "no such file", train("--train-data", tmp.resolve("none.jsonl").toString(), "--out", out("a")));
        rejected(2, "no items", train("--heldout-data", file("empty.jsonl", "\n\n").toString(), "--out", out("a")));
        rejected(2, "broken.jsonl:1: broken JSON", train("--train-data", file("broken.jsonl", "{\"id\": \n").toString(), "--out", out("a")));
        rejected(2, ":1: missing field 'key_points'", train("--train-data",
                file("nokp.jsonl", "{\"id\":\"a\",\"question\":\"q?\",\"off_topic\":[],\"reference_answer\":\"r\"}\n")
                        .toString(), "--out", out("a")));
        String longQuestion = "what " + "is this ".repeat(200) + "?";
        rejected(2, "--max-len (max_len): max_len (96) leaves no room for a completion after the longest prompt",
                train("--train-data", file("longq.jsonl", item("long-q", longQuestion, "fever.")).toString(),
                        "--out", out("a")));
    }

    @Test
    void longReferenceAnswerIsCutWithAWarning() throws IOException {
        Path data = file("longa.jsonl", item("long-a", "what causes fever?", "fever ".repeat(5000)));
        Result r = cli(train("--train-data", data.toString(), "--rl-questions", "1", "--prompts", "1", "--steps", "0",
                "--out", out("long-answer")));
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("eapo4j: warning: 1 reference answer(s) do not fit in max_len 96"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void sizesBeyondTheDataAreReported() throws IOException {
        Result r = cli(train("--rl-questions", "100000", "--steps", "0", "--warmup-steps", "0", "--out", out("big-pool")));
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("eapo4j: warning: rl_questions 100000 exceeds the 205 train questions"), r.err());
    }

    static String item(String id, String question, String answer) {
        return "{\"id\":\"" + id + "\",\"question\":\"" + question + "\",\"key_points\":[{\"name\":\"fever\","
                + "\"synonyms\":[\"fever\"]}],\"off_topic\":[],\"reference_answer\":\"" + answer + "\"}\n";
    }

    // ---------------------------------------------------------------- output folders

    @Test
    void outputFolders() throws IOException {
        Path aFile = file("plain-file", "x");
        rejected(2, "--out: " + aFile + " exists and is not a directory", train("--out", aFile.toString()));
        rejected(1, "cannot create output folder", train("--out", aFile.resolve("sub").toString()));
        rejected(1, "cannot create output folder /proc/eapo4j-hostile-test", train("--out", "/proc/eapo4j-hostile-test/run"));
        // a full disk: the folder's write probe is a link to /dev/full
        Path full = tmp.resolve("full-disk");
        Files.createDirectories(full);
        Files.createSymbolicLink(full.resolve(".eapo4j-write-probe"), Path.of("/dev/full"));
        rejected(1, "No space left on device", train("--out", full.toString()));
    }

    // ---------------------------------------------------------------- checkpoints

    static Path copyOfRun(String name) throws IOException {
        Path dst = tmp.resolve("copies").resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(run)) {
            for (Path p : s.toList()) Files.copy(p, dst.resolve(p.getFileName()));
        }
        return dst;
    }

    static void overwrite(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    /** Where a checkpoint's JSON length lies: after the magic (2-byte length + "EAPO4J-CKPT-3"). */
    static final int MAGIC_BYTES = 2 + "EAPO4J-CKPT-3".length();

    /**
     * Offset in the file of the first byte of a tensor's data: its offset in the header's tensor table, counted from
     * the data start (after the JSON and the header checksum, aligned to 64 bytes; CheckpointLayout).
     */
    static long dataOffset(Path file, String name) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int jsonLength = (int) b.getLong(MAGIC_BYTES);
        JsonNode root = new ObjectMapper().readTree(new String(all, MAGIC_BYTES + 8, jsonLength, StandardCharsets.UTF_8));
        long dataStart = (MAGIC_BYTES + 8 + jsonLength + 8 + 63) / 64 * 64;
        for (JsonNode t : root.get("tensors"))
            if (t.get("name").asText().equals(name)) return dataStart + t.get("offset").asLong();
        throw new AssertionError(name + " not in " + file);
    }

    @Test
    void corruptCheckpoints() throws IOException {
        rejected(2, "checkpoint " + tmp.resolve("none.bin") + " does not exist", "eval", "--checkpoint",
                tmp.resolve("none.bin").toString());
        rejected(2, "does not exist", "eval", "--checkpoint", tmp.resolve("inputs").toString());
        rejected(2, "--resume: " + tmp.resolve("no-run") + ": no checkpoint.bin there", "train", "--resume",
                tmp.resolve("no-run").toString());
        rejected(2, "no checkpoint.bin there", "train", "--resume", tmp.resolve("inputs").toString());
        rejected(2, "is not an eapo4j checkpoint", "eval", "--checkpoint", file("garbage.bin", "hello, world\n").toString());
        rejected(2, "is not an eapo4j checkpoint", "eval", "--checkpoint", file("empty.bin", new byte[0]).toString());

        byte[] ck = Files.readAllBytes(checkpoint);
        Path truncated = file("truncated.bin", Arrays.copyOf(ck, ck.length / 2));
        rejected(2, "is truncated (ends inside the tensor", "eval", "--checkpoint", truncated.toString());
        rejected(2, "is truncated (ends inside the file trailer)", "eval", "--checkpoint",
                file("no-trailer.bin", Arrays.copyOf(ck, ck.length - 4)).toString());
        rejected(2, "bytes after the end", "eval", "--checkpoint", file("trailing.bin", Arrays.copyOf(ck, ck.length + 3)).toString());

        Path negative = file("negative-header.bin", ck.clone());
        overwrite(negative, MAGIC_BYTES, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array());
        rejected(2, "is corrupt (header: header length -5 is impossible)", "eval", "--checkpoint", negative.toString());
        Path header = file("header-flip.bin", ck.clone());
        overwrite(header, MAGIC_BYTES + 8 + 10, new byte[] {'#'});
        rejected(2, "is corrupt (header: header checksum mismatch)", "eval", "--checkpoint", header.toString());

        // bytes rewritten inside the optimizer state: resume must refuse, naming the tensor and the part
        Path bad = copyOfRun("optimizer-flip");
        long at = dataOffset(bad.resolve("checkpoint.bin"), "adamw.v.block0.fc1.weight") + 40;
        overwrite(bad.resolve("checkpoint.bin"), at, new byte[] {0x12, 0x34, 0x56, 0x78});
        rejected(2, "is corrupt (tensor 'adamw.v.block0.fc1.weight' (optimizer state): checksum mismatch)",
                "train", "--resume", bad.toString(), "--steps", "2");
        Path badModel = copyOfRun("model-flip");
        at = dataOffset(badModel.resolve("checkpoint.bin"), "model.head.bias") + 8;
        overwrite(badModel.resolve("checkpoint.bin"), at, new byte[] {0x7f});
        rejected(2, "(policy weights): checksum mismatch", "eval", "--checkpoint", badModel.toString());
        rejected(2, "(policy weights): checksum mismatch", "train", "--init-from",
                badModel.resolve("checkpoint.bin").toString(), "--out", out("init"));
        rejected(2, "does not exist", train("--init-from", tmp.resolve("none.bin").toString(), "--out", out("init")));
    }

    // ---------------------------------------------------------------- resuming with other settings

    @Test
    void resumeRefusesSettingsThatFixTheRun() throws IOException {
        rejected(2, "cannot resume with changed settings that fix what the run computes: --lr (learning_rate) "
                + "3.0E-4 -> 0.5, --weighting eapo -> grpo", "train", "--resume", run.toString(), "--lr", "0.5",
                "--weighting", "grpo");
        rejected(2, "--lr (learning_rate): must be in (0, 1], got 5.0", "train", "--resume", run.toString(), "--lr", "5");
        rejected(2, "--weighting eapo -> nsr", "train", "--out", run.toString(), "--steps", "3",
                "--weighting", "nsr");
        rejected(2, "--steps: the run in " + run + " has done 1 RL steps", "train", "--out", run.toString(),
                "--steps", "0");
        rejected(2, "--d-model (d_model) 16 -> 32", "train", "--resume", run.toString(), "--d-model", "32");
        rejected(2, "--resume continues a run; --init-from starts a new one", "train", "--resume", run.toString(),
                "--init-from", checkpoint.toString());
        rejected(2, "name different folders", "train", "--resume", run.toString(), "--out", out("elsewhere"));
    }

    @Test
    void resumeOfAFinishedRunSaysSoAndLongerRunsContinue() throws IOException {
        Path copy = copyOfRun("finished");
        Set<String> before = tree();
        Result r = cli("train", "--resume", copy.toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("is already finished (1 of 1 RL steps); raise --steps"), r.out());
        assertEquals(before, tree(), "a finished run is left as it was");

        Result more = cli("train", "--resume", copy.toString(), "--steps", "2", "--eval-every", "0", "--no-progress");
        assertEquals(0, more.rc(), more.err());
        assertTrue(more.out().contains("changed on resume: --steps 1 -> 2"), more.out());
        assertTrue(more.out().contains("step 2/2"), more.out());
    }

    // ---------------------------------------------------------------- eval and compare

    @Test
    void evalAndCompareValidateToo() throws IOException {
        rejected(2, "--samples (eval_samples): must be in [1, 4096], got 0", "eval", "--checkpoint", run.toString(),
                "--samples", "0");
        rejected(2, "--questions (eval_questions)", "eval", "--checkpoint", run.toString(), "--questions", "-1");
        rejected(2, "--temperature: must be in", "eval", "--checkpoint", run.toString(), "--temperature", "0");
        rejected(2, "no such file", "eval", "--checkpoint", run.toString(), "--data", tmp.resolve("x.jsonl").toString());
        rejected(2, "--weighting: unknown weighting 'ppo'", "compare", "--weightings", "eapo,ppo",
                "--out", out("grid"));
    }

    @Test
    void debugAddsTheStackTrace() {
        Result r = cli(train("--lr", "Infinity", "--out", out("a"), "--debug"));
        assertEquals(2, r.rc());
        assertTrue(r.err().startsWith("eapo4j: --lr (learning_rate)"), r.err());
        assertTrue(r.err().contains("\tat org.eapo4j.train.RlConfig"), r.err());
    }
}
