package org.eapo4j.parallel;

/**
 * A distributed run cannot go on: a rendezvous or a collective failed or timed out, a peer did not answer, or the
 * ranks disagree (configuration, parameter layout). The message names the operation and, where it is known, the
 * rank at fault. After one, the {@link DistContext} is broken and refuses further collectives.
 */
public class DistException extends IllegalStateException {
    public DistException(String message) {
        super(message);
    }

    public DistException(String message, Throwable cause) {
        super(message, cause);
    }
}
