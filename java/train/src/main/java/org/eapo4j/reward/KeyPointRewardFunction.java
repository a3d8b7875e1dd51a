package org.eapo4j.reward;

import java.util.ArrayList;
import java.util.List;

import org.eapo4j.data.KeyPoint;
import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.QaItem;

/**
 * The medqa key-point reward ({@link KeyPointReward}) as a {@link RewardFunction}: reads {@code key_points} and
 * {@code off_topic} from the sample's fields (the medqa JSONL fields, see data/medqa/README.md; load the file with
 * {@code PromptDataset.fromResource("medqa/train.jsonl", "question")}) and scores the completion as the answer,
 * terminated unless {@link Sample#truncated()}. Same numbers as {@code KeyPointReward.reward(item, answer,
 * terminated)}.
 */
public final class KeyPointRewardFunction implements RewardFunction, ElementCoverage {
    private final KeyPointReward reward;

    public KeyPointRewardFunction(KeyPointReward reward) {
        if (reward == null) throw new IllegalArgumentException("reward must not be null");
        this.reward = reward;
    }

    /** With {@link KeyPointReward.Config#DEFAULT}, the embedded task's weights. */
    public KeyPointRewardFunction() {
        this(new KeyPointReward());
    }

    @Override
    public double score(Sample s) {
        return reward.reward(item(s), s.completion(), !s.truncated());
    }

    /** The breakdown (covered points, repeats, off-topic mentions...) of a sample's score. */
    public KeyPointReward.Score breakdown(Sample s) {
        return reward.score(item(s), s.completion(), !s.truncated());
    }

    /** The key points the answer covers: {@link KeyPointReward.Score#coveredMask()} of its breakdown. */
    @Override
    public boolean[] coveredElements(Sample s) {
        return breakdown(s).coveredMask();
    }

    /** The key points and off-topic items of the sample's record, read as QaDataset reads them. */
    static QaItem item(Sample s) {
        List<?> kps = RecordFields.list(s, s.fields(), "key_points", "");
        if (kps.isEmpty()) throw new IllegalArgumentException(s.describe() + ": 'key_points' is empty");
        List<KeyPoint> points = new ArrayList<>(kps.size());
        for (int i = 0; i < kps.size(); i++) {
            String where = "key_points[" + i + "].";
            var kp = RecordFields.object(s, kps.get(i), "key_points[" + i + "]");
            String name = RecordFields.text(s, kp, "name", where);
            List<String> syn = RecordFields.strings(s, kp, "synonyms", where);
            points.add(new KeyPoint(name, syn.isEmpty() ? List.of(name) : syn));
        }
        List<String> off = RecordFields.strings(s, s.fields(), "off_topic", "");
        Object id = s.fields().get("id");
        return new QaItem(id == null ? "record-" + s.recordIndex() : id.toString(), s.prompt(), points, off, "");
    }
}
