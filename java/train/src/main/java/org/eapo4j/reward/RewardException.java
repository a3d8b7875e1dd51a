package org.eapo4j.reward;

/**
 * A reward function failed: it threw, returned NaN or an infinity, or (for a group reward) returned the wrong number
 * of values. The message names the reward, the prompt record and the value.
 */
public class RewardException extends RuntimeException {
    private final String rewardName;

    public RewardException(String rewardName, String message, Throwable cause) {
        super("reward '" + rewardName + "': " + message, cause);
        this.rewardName = rewardName;
    }

    public RewardException(String rewardName, String message) {
        this(rewardName, message, null);
    }

    /** The name the failing reward was registered under. */
    public String rewardName() {
        return rewardName;
    }
}
