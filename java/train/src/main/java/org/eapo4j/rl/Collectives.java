package org.eapo4j.rl;

/**
 * The few collectives that let an update over several data-parallel processes compute what one process would over
 * their union: the global batch is the ranks' rows in rank order. {@link #NONE} is one process (every call returns
 * its input). The trainer's implementation sits over {@code org.eapo4j.parallel.DistContext}.
 *
 * <p>Every rank must make the same calls in the same order (they are collectives).
 */
public interface Collectives {
    /** This process's rank, 0 .. ranks-1. */
    int rank();

    /** More than one rank takes part (a sum over one rank is its input: callers may skip the communication). */
    default boolean isDistributed() {
        return true;
    }

    /** The element-wise sum over the ranks (every rank gets the same values); a new array. */
    double[] sum(double[] local);

    /** Every rank's array (lengths may differ), indexed by rank. */
    double[][] gather(double[] local);

    /** grad &larr; &Sigma;<sub>ranks</sub> grad for every trained parameter (no-op for one process). */
    void sumGradients();

    /** One process. */
    Collectives NONE = new Collectives() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public double[] sum(double[] local) {
            return local.clone();
        }

        @Override
        public double[][] gather(double[] local) {
            return new double[][] {local.clone()};
        }

        @Override
        public void sumGradients() {}

        @Override
        public boolean isDistributed() {
            return false;
        }
    };
}
