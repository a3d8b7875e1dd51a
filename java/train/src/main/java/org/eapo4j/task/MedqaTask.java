package org.eapo4j.task;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import org.eapo4j.data.FactCorpus;
import org.eapo4j.data.KeyPoint;
import org.eapo4j.data.QaDataset;
import org.eapo4j.data.QaItem;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.reward.KeyPointRewardFunction;
import org.eapo4j.reward.Rewards;
import org.eapo4j.train.RlConfig;

/**
 * The embedded medical QA task (data/medqa/README.md): name the key points of a question ({@link
 * KeyPointRewardFunction}). On the built-in model ({@link #forBuiltinModel}) two warm-up stages stand in for
 * pretraining: language modelling on the {@link FactCorpus} (every key point of every train and held-out question,
 * one fact per sentence), then partial answers of the train questions ({@code sft_partial_points} key points each), so
 * that RL has facts to find. On a pretrained model ({@link #forPretrainedModel}) there is no warm-up.
 */
public final class MedqaTask extends DataFilesTask {
    public static final String NAME = "medqa";

    private final QaDataset trainQa, heldoutQa;
    private final boolean builtin;

    /** The QA files are read first: their errors (no such file, not UTF-8, a bad record) are the ones reported. */
    private MedqaTask(QaDataset trainQa, QaDataset heldoutQa, String train, String heldout, boolean builtin) {
        super(NAME, Datasets.prompts(train, "question"), Datasets.prompts(heldout, "question"));
        this.trainQa = trainQa;
        this.heldoutQa = heldoutQa;
        this.builtin = builtin;
    }

    private static MedqaTask load(String train, String heldout, boolean builtin) {
        String tr = train.isEmpty() ? QaDataset.EMBEDDED_TRAIN : train;
        String ho = heldout.isEmpty() ? QaDataset.EMBEDDED_HELDOUT : heldout;
        return new MedqaTask(Datasets.qa(tr), Datasets.qa(ho), tr, ho, builtin);
    }

    /** For the built-in model trained from scratch: with the fact-corpus and answer warm-ups. */
    public static MedqaTask forBuiltinModel(String train, String heldout) {
        return load(train, heldout, true);
    }

    /** For a pretrained model: no warm-up. */
    public static MedqaTask forPretrainedModel(String train, String heldout) {
        return load(train, heldout, false);
    }

    @Override
    public Rewards rewards() {
        return Rewards.builder().reward("key_points", 1.0, new KeyPointRewardFunction()).build();
    }

    /** The built-in model's word vocabulary: every word of both data files (the same data, the same ids). */
    public WordTokenizer wordTokenizer() {
        return WordTokenizer.build(List.of(trainQa, heldoutQa));
    }

    @Override
    public RlConfig defaults() {
        return builtin ? builtinDefaults() : pretrainedDefaults();
    }

    /** The defaults on the built-in model (with the warm-ups), without loading the data. */
    public static RlConfig builtinDefaults() {
        return defaults(true);
    }

    /** The defaults on a pretrained model (no warm-up), without loading the data. */
    public static RlConfig pretrainedDefaults() {
        return defaults(false);
    }

    private static RlConfig defaults(boolean builtin) {
        RlConfig c = new RlConfig();
        c.task = NAME;
        c.steps = 150;
        c.maxCompletionLength = 32;
        c.learningRate = 3e-4;
        c.evalSteps = 25;
        c.saveSteps = 25;
        c.trainEvalQuestions = 40;
        c.threads = 1;
        if (builtin) {
            c.factWarmupSteps = 4000;
            c.sftWarmupSteps = 150;
            c.sftPartialPoints = 3;
        }
        return c;
    }

    /** The fact corpus ({@code fact_warmup_steps}), then the answers ({@code sft_warmup_steps}); empty stages skipped. */
    @Override
    public List<WarmupStage> warmupStages(RlConfig cfg, Tokenizer tok) {
        List<WarmupStage> stages = new ArrayList<>();
        if (cfg.factWarmupSteps > 0) {
            List<String> facts = FactCorpus.of(List.of(trainQa, heldoutQa)).sentences();
            long bos = tok.bosId();
            long[] start = bos >= 0 ? new long[] {bos} : tok.encode("");
            stages.add(new WarmupStage("facts", cfg.factWarmupSteps, cfg.sftWarmupBatch, cfg.sftWarmupLr,
                    rng -> new WarmupStage.Example(start,
                            tok.encodeCompletion(facts.get(rng.nextInt(facts.size()))))));
        }
        if (cfg.sftWarmupSteps > 0) {
            List<QaItem> items = trainQa.items();
            stages.add(new WarmupStage("answers", cfg.sftWarmupSteps, Math.min(cfg.sftWarmupBatch, items.size()),
                    cfg.sftWarmupLr, rng -> {
                        QaItem it = items.get(rng.nextInt(items.size()));
                        String answer = cfg.sftPartialPoints == 0 ? it.referenceAnswer()
                                : partialAnswer(it, cfg.sftPartialPoints, rng);
                        return new WarmupStage.Example(tok.encode(it.question()), tok.encodeCompletion(answer));
                    }));
        }
        return stages;
    }

    /** Reference answers that the answer warm-up cuts (prompt + answer beyond the model's positions). */
    @Override
    public List<String> warnings(RlConfig cfg, Tokenizer tok, int maxPositions) {
        if (cfg.sftWarmupSteps == 0) return List.of();
        int cut = 0;
        for (QaItem it : trainQa.items())
            if (tok.encode(it.question()).length + tok.encodeCompletion(it.referenceAnswer()).length + 1 > maxPositions)
                cut++;
        return cut == 0 ? List.of() : List.of(cut + " reference answer(s) do not fit in max_len " + maxPositions
                + " after their prompt and are cut in the warm-up");
    }

    /** A partial answer: {@code k} of the question's key points (canonical names), a random choice in random order. */
    public static String partialAnswer(QaItem it, int k, SplittableRandom rng) {
        k = Math.min(k, it.keyPoints().size());
        List<KeyPoint> points = new ArrayList<>(it.keyPoints());
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < k; j++) {   // a partial Fisher-Yates shuffle: the first k of a random order
            Collections.swap(points, j, j + rng.nextInt(points.size() - j));
            sb.append(j == 0 ? "" : ", ").append(points.get(j).name());
        }
        return sb.append('.').toString();
    }
}
