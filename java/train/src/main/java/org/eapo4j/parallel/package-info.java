/**
 * Data-parallel training over LibTorch's c10d: {@link org.eapo4j.parallel.DistContext} (rendezvous, collectives,
 * configuration check), {@link org.eapo4j.parallel.GradientSync} (bucketed gradient all-reduce),
 * {@link org.eapo4j.parallel.GroupShard} (which prompt groups a rank owns, rank-free randomness) and
 * {@link org.eapo4j.parallel.LocalLauncher} (N worker JVMs on one machine). The DistContext Javadoc shows the calls a
 * training step makes.
 */
package org.eapo4j.parallel;
