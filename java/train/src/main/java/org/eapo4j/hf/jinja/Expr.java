package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.Map;

/** The expressions of the Jinja subset, as the parser builds them; {@code line} is the template line. */
sealed interface Expr {
    int line();

    record Const(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    /** {@code obj.attr}: Jinja's getattr (attribute first, then item). */
    record GetAttr(Expr obj, String attr, int line) implements Expr { }

    /** {@code obj[key]}: Jinja's getitem (item first, then attribute). */
    record GetItem(Expr obj, Expr key, int line) implements Expr { }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr obj, Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Call(Expr fn, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr { }

    /** "not", "-" or "+" applied to one operand. */
    record Unary(String op, Expr operand, int line) implements Expr { }

    /** An arithmetic operator, "~", "and" or "or". */
    record Binary(String op, Expr left, Expr right, int line) implements Expr { }

    /** A chain of comparisons ("==", "!=", "<", "<=", ">", ">=", "in", "not in"), as Python chains them. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr { }

    /** {@code then if test else otherwise}; otherwise is null when absent (the result is then undefined). */
    record Cond(Expr test, Expr then, Expr otherwise, int line) implements Expr { }

    record ListLit(List<Expr> items, int line) implements Expr { }

    record TupleLit(List<Expr> items, int line) implements Expr { }

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr { }
}
