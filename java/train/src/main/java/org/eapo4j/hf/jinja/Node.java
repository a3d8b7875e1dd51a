package org.eapo4j.hf.jinja;

import java.util.List;

/** The statements of the Jinja subset, as the parser builds them. */
sealed interface Node {
    record Text(String text) implements Node { }

    record Print(Expr expr) implements Node { }

    /** if / elif ... / else: tests.get(i) guards bodies.get(i); elseBody may be empty. */
    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> elseBody) implements Node { }

    /** {@code for target in iter [if filter]} with an optional else body (rendered when nothing was iterated). */
    record For(Expr target, Expr iter, Expr filter, List<Node> body, List<Node> elseBody, int line) implements Node { }

    /** {@code set target = value}; target is a Name, a namespace attribute (GetAttr of a Name) or a tuple of Names. */
    record Set(Expr target, Expr value, int line) implements Node { }

    /** {@code set name [| filters] %}body{% endset}. Each filter is a Filter expression whose value is null. */
    record SetBlock(String name, List<Expr.Filter> filters, List<Node> body, int line) implements Node { }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node { }

    /** {@code filter name(args) %}body{% endfilter}. */
    record FilterBlock(List<Expr.Filter> filters, List<Node> body, int line) implements Node { }

    /** transformers' {@code generation} tag: its body renders as it is (no assistant mask is asked for). */
    record Generation(List<Node> body) implements Node { }

    record Break(int line) implements Node { }

    record Continue(int line) implements Node { }
}
