package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --model DIR --task ...}: a pretrained model through RlTrainer from the command line. */
class ModelTrainingCliTest {
    @TempDir Path dir;

    static Path stories260K() {
        return org.eapo4j.hf.EmbeddedModels.stories260K();   // the shipped copy
    }

    static String[] tiny(Path model, Path out, String task) {
        return new String[] {"train", "--model", model.toString(), "--task", task, "--out", out.toString(),
                "--steps", "2", "--prompts", "2", "--group", "2", "--max-new", "16", "--eval-every", "0",
                "--eval-questions", "2", "--eval-samples", "2", "--train-eval-questions", "2", "--minibatches", "1"};
    }

    @Test
    void storiesTaskTrainsAndWritesTheRunFolderAndTheModel() {
        Path model = stories260K(), out = dir.resolve("stories");
        HostileCliTest.Result r = HostileCliTest.cli(tiny(model, out, "stories"));
        assertEquals(0, r.rc(), r.err());
        for (String f : new String[] {"metrics.jsonl", "checkpoint.bin", "summary.json", "config.json", "reward.png",
                "hf-model/model.safetensors", "hf-model/config.json", "hf-model/tokenizer.json"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertTrue(r.out().contains("held-out reward"), r.out());
        // a second call on the finished folder continues it (here: to 3 steps)
        String[] more = tiny(model, out, "stories");
        more[java.util.Arrays.asList(more).indexOf("--steps") + 1] = "3";
        HostileCliTest.Result again = HostileCliTest.cli(more);
        assertEquals(0, again.rc(), again.err());
        assertTrue(again.out().contains("3 RL steps"), again.out());
        // eval of the fine-tuned folder on the task's held-out openings: JSON with the reward and diversity figures
        HostileCliTest.Result ev = HostileCliTest.cli("eval", "--model", out.resolve("hf-model").toString(), "--task",
                "stories", "--questions", "2", "--samples", "2");
        assertEquals(0, ev.rc(), ev.err());
        for (String k : new String[] {"\"reward_mean\"", "\"best_of_g\"", "\"rewards/story\"", "\"distinct_2\""})
            assertTrue(ev.out().contains(k), k + " in " + ev.out());
    }

    @Test
    void medqaTaskRunsOnThePretrainedModelToo() {
        Path model = stories260K(), out = dir.resolve("medqa");
        HostileCliTest.Result r = HostileCliTest.cli(tiny(model, out, "medqa"));
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("hf-model/model.safetensors")));
    }

    @Test
    void badTaskOrTaskWithoutModelIsOneLineAndExitCode2() {
        // an unknown task, with or without --model (train --task stories alone is the default run now)
        HostileCliTest.Result r = HostileCliTest.cli("train", "--task", "poems", "--out", dir.resolve("a").toString());
        assertEquals(2, r.rc());
        assertEquals(1, r.errLines().size(), r.err());
        assertFalse(Files.exists(dir.resolve("a")));
        r = HostileCliTest.cli(tiny(stories260K(), dir.resolve("b"), "poems"));
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("poems") && !r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(dir.resolve("b")));
        r = HostileCliTest.cli("train", "--model", dir.resolve("missing").toString(), "--out", dir.resolve("c").toString());
        assertEquals(2, r.rc(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        r = HostileCliTest.cli("eval", "--questions", "2");
        assertEquals(2, r.rc(), r.err());
        assertTrue(r.err().contains("--checkpoint") && r.errLines().size() == 1, r.err());
    }
}
