package org.eapo4j.train;

/** A training figure became NaN or infinite (e.g. a learning rate too high for the model); names step and setting. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
