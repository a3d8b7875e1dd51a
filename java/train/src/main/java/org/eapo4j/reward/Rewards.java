package org.eapo4j.reward;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A weighted sum of named reward terms: {@code total = sum_i weight_i * value_i}. Each term is evaluated on every
 * sample; a term that throws or gives NaN/infinity raises a {@link RewardException} naming the term, the prompt
 * record (index and the start of the prompt) and the value. The per-term values are kept in the
 * {@link RewardBreakdown} so the trainer can log each term's mean.
 *
 * <p>Terms are named at registration, or after the function's class ({@code StoryReward}); lambdas and anonymous
 * classes get {@code reward_<i>} (i = 0-based term position). Immutable and thread-safe when the terms are.
 */
public final class Rewards {
    private record Term(String name, double weight, RewardFunction single, GroupRewardFunction group) {}

    private final List<Term> terms;

    private Rewards(List<Term> terms) {
        this.terms = List.copyOf(terms);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A single term of weight 1. */
    public static Rewards of(RewardFunction fn) {
        return builder().reward(1.0, fn).build();
    }

    /** The term names, in registration order. */
    public List<String> names() {
        return terms.stream().map(Term::name).toList();
    }

    /** The term weights, in registration order (a fresh array). */
    public double[] weights() {
        return terms.stream().mapToDouble(Term::weight).toArray();
    }

    /** The function of the first term that is a {@code type} (e.g. an {@link ElementCoverage}), if any. */
    public <T> Optional<T> firstTerm(Class<T> type) {
        for (Term t : terms) {
            Object fn = t.single() != null ? t.single() : t.group();
            if (type.isInstance(fn)) return Optional.of(type.cast(fn));
        }
        return Optional.empty();
    }

    /** Evaluates every term on every sample of {@code group} (not empty). */
    public RewardBreakdown score(List<Sample> group) {
        if (group == null || group.isEmpty()) throw new IllegalArgumentException("group must hold at least one sample");
        for (int j = 0; j < group.size(); j++)
            if (group.get(j) == null) throw new IllegalArgumentException("group[" + j + "] is null");
        int n = group.size();
        double[][] values = new double[terms.size()][];
        double[] total = new double[n];
        for (int t = 0; t < terms.size(); t++) {
            Term term = terms.get(t);
            values[t] = term.single() != null ? scoreEach(term, group) : scoreGroup(term, group);
            for (int j = 0; j < n; j++) total[j] += term.weight() * values[t][j];
        }
        return new RewardBreakdown(names(), weights(), values, total);
    }

    private static double[] scoreEach(Term term, List<Sample> group) {
        double[] v = new double[group.size()];
        for (int j = 0; j < v.length; j++) {
            Sample s = group.get(j);
            try {
                v[j] = term.single().score(s);
            } catch (RuntimeException e) {
                throw new RewardException(term.name(), "failed on " + s.describe() + ": " + e, e);
            }
            checkFinite(term.name(), v[j], s);
        }
        return v;
    }

    private static double[] scoreGroup(Term term, List<Sample> group) {
        double[] v;
        try {
            v = term.group().score(List.copyOf(group));
        } catch (RuntimeException e) {
            throw new RewardException(term.name(), "failed on a group of " + group.size() + " samples from "
                    + group.get(0).describe() + ": " + e, e);
        }
        if (v == null || v.length != group.size())
            throw new RewardException(term.name(), "returned " + (v == null ? "null" : v.length + " values")
                    + " for a group of " + group.size() + " samples from " + group.get(0).describe());
        for (int j = 0; j < v.length; j++) checkFinite(term.name(), v[j], group.get(j));
        return v.clone();
    }

    private static void checkFinite(String name, double v, Sample s) {
        if (!Double.isFinite(v)) throw new RewardException(name, "gave " + v + " for " + s.describe());
    }

    /** Collects the terms; names must be unique. */
    public static final class Builder {
        private final List<Term> terms = new ArrayList<>();
        private final Set<String> names = new HashSet<>();

        private Builder() {}

        /** Adds {@code weight * fn}, named after the function's class. */
        public Builder reward(double weight, RewardFunction fn) {
            return add(null, weight, nonNull(fn), null, fn);
        }

        public Builder reward(String name, double weight, RewardFunction fn) {
            return add(checkName(name), weight, nonNull(fn), null, fn);
        }

        /** Adds a term that scores a whole group at once, named after the function's class. */
        public Builder groupReward(double weight, GroupRewardFunction fn) {
            return add(null, weight, null, nonNull(fn), fn);
        }

        public Builder groupReward(String name, double weight, GroupRewardFunction fn) {
            return add(checkName(name), weight, null, nonNull(fn), fn);
        }

        public Rewards build() {
            if (terms.isEmpty()) throw new IllegalStateException("no reward terms: add one with reward(weight, fn)");
            return new Rewards(terms);
        }

        private Builder add(String name, double weight, RewardFunction single, GroupRewardFunction group, Object fn) {
            if (!Double.isFinite(weight))
                throw new IllegalArgumentException("weight must be finite, got " + weight);
            if (name == null) name = uniqueDefault(defaultName(fn, terms.size()));
            else if (names.contains(name))
                throw new IllegalArgumentException("a reward named '" + name + "' is already registered");
            names.add(name);
            terms.add(new Term(name, weight, single, group));
            return this;
        }

        private String uniqueDefault(String base) {
            String n = base;
            for (int k = 2; names.contains(n); k++) n = base + "_" + k;
            return n;
        }

        private static <T> T nonNull(T fn) {
            if (fn == null) throw new IllegalArgumentException("fn must not be null");
            return fn;
        }

        private static String checkName(String name) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("reward name must not be blank");
            return name;
        }

        private static String defaultName(Object fn, int position) {
            Class<?> c = fn.getClass();
            String simple = c.getSimpleName();
            if (c.isSynthetic() || c.isAnonymousClass() || simple.isEmpty() || simple.contains("$$Lambda")
                    || simple.contains("/"))
                return "reward_" + position;
            return simple;
        }
    }
}
