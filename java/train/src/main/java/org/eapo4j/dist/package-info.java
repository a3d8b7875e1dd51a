/**
 * Data-parallel training over LibTorch's c10d: {@link org.eapo4j.dist.DistContext} (rendezvous, collectives,
 * configuration check), {@link org.eapo4j.dist.GradientSync} (bucketed gradient all-reduce),
 * {@link org.eapo4j.dist.GroupShard} (which prompt groups a rank owns, rank-free randomness) and
 * {@link org.eapo4j.dist.LocalLauncher} (N worker JVMs on one machine). The DistContext Javadoc shows the calls a
 * training step makes.
 */
package org.eapo4j.dist;
