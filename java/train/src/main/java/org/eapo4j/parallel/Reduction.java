package org.eapo4j.parallel;

/** How the ranks' values of one element are combined by an all-reduce. */
public enum Reduction {
    SUM, MAX, MIN
}
