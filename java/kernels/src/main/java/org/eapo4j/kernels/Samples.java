package org.eapo4j.kernels;

/**
 * What {@link FusedKernels#sample} drew: one id per row (row-major over the leading shape of the logits) and its
 * log-probability under the filtered, renormalised distribution (0 for greedy rows). Plain Java arrays: nothing to
 * close.
 */
public record Samples(long[] ids, float[] logProbs) {}
