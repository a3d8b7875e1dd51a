package org.eapo4j.model;

/**
 * A row of the policy's logits holds NaN or +infinity where a token must be drawn: the policy diverged (or was loaded
 * corrupt). Generation stops instead of sampling garbage; the message names the row and the position, and the
 * trainer adds the step.
 */
public final class NonFiniteLogitsException extends IllegalStateException {
    private final int row, position;

    public NonFiniteLogitsException(int row, int position, String detail) {
        super("row " + row + " of the batch, completion token " + position + ": the logits hold NaN or infinity ("
                + detail + "); the policy diverged");
        this.row = row;
        this.position = position;
    }

    public int row() {
        return row;
    }

    public int position() {
        return position;
    }
}
