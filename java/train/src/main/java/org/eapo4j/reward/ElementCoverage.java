package org.eapo4j.reward;

/**
 * A reward that rests on which of a record's elements (story elements, key points) a completion covers. Evaluation
 * uses it for a diversity figure: the share of a prompt's elements that at least one of its G completions covers.
 * Implementations must use the very matching their reward uses, so the figure and the reward cannot disagree.
 */
public interface ElementCoverage {
    /**
     * One flag per element of the sample's record, in the record's order: true when the completion covers it. The
     * array's length is the record's element count (at least 1).
     */
    boolean[] coveredElements(Sample s);
}
