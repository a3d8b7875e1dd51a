package org.eapo4j.hf.jinja;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's compile-time constant folding, which can change results: an expression made only of constants is
 * evaluated when the template is compiled ({@code as_const}), where {@code x[a:b]} goes through the environment's
 * getitem (a failed slice is Undefined) instead of Python's subscript (a failed slice raises). Jinja2 replaces an
 * expression by its value when the value has a safe repr (None, bool, int, float, str, and lists, tuples, dicts and
 * ranges of those), and prints a constant {@code {{ }}} whatever its value. This class computes, once per template,
 * the values Jinja2 would fold; the renderer uses them in place of evaluating.
 */
final class Folder {
    /** The filters Jinja2 does not fold (they take the render context). */
    private static final Set<String> CONTEXT_FILTERS = Set.of("map", "select", "reject", "selectattr", "rejectattr",
            "random");

    private static final Object IMPOSSIBLE = new Object();

    private final Map<Expr, Object> memo = new IdentityHashMap<>();
    /** Expressions replaced by a safe constant. */
    final Map<Expr, Object> folded = new IdentityHashMap<>();
    /** {{ }} expressions printed as a constant string. */
    final Map<Expr, String> printed = new IdentityHashMap<>();
    /**
     * Constant expressions whose value needs a refused construct: Jinja2 may compute them at compile time, where a
     * failure the renderer would meet first (a failed slice) does not happen, so they are refused when evaluated.
     */
    final Map<Expr, String> refused = new IdentityHashMap<>();

    /** A constant sub-expression needs a refused construct. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String construct;

        Refused(String construct) {
            super(construct, null, false, false);
            this.construct = construct;
        }
    }

    static Folder of(List<Node> body) {
        Folder f = new Folder();
        f.nodes(body);
        return f;
    }

    private void nodes(List<Node> body) {
        for (Node n : body) node(n);
    }

    private void node(Node n) {
        if (n instanceof Node.Print p) {
            expr(p.expr());
            Object v = attempt(p.expr());
            if (v != IMPOSSIBLE) {
                try {
                    printed.put(p.expr(), Py.str(v));
                } catch (PyError e) {
                    // str() fails: Jinja2 evaluates it at run time
                }
            }
        } else if (n instanceof Node.If f) {
            f.tests().forEach(this::expr);
            f.bodies().forEach(this::nodes);
            nodes(f.elseBody());
        } else if (n instanceof Node.For f) {
            expr(f.iter());
            if (f.filter() != null) expr(f.filter());
            nodes(f.body());
            nodes(f.elseBody());
        } else if (n instanceof Node.Set s) {
            expr(s.value());
        } else if (n instanceof Node.SetBlock s) {
            s.filters().forEach(this::filterArgs);
            nodes(s.body());
        } else if (n instanceof Node.Macro m) {
            m.defaults().forEach(this::expr);
            nodes(m.body());
        } else if (n instanceof Node.FilterBlock fb) {
            fb.filters().forEach(this::filterArgs);
            nodes(fb.body());
        } else if (n instanceof Node.Generation g) {
            nodes(g.body());
        }
    }

    private void filterArgs(Expr.Filter f) {
        f.args().forEach(this::expr);
        f.kwargs().values().forEach(this::expr);
    }

    /** Visits every sub-expression, recording those Jinja2 folds to a safe constant. */
    private void expr(Expr e) {
        if (e == null) return;
        Object v = attempt(e);
        if (v != IMPOSSIBLE && safe(v)) folded.put(e, v);
        for (Expr c : children(e)) expr(c);
    }

    private static List<Expr> children(Expr e) {
        List<Expr> out = new ArrayList<>();
        if (e instanceof Expr.GetAttr g) out.add(g.obj());
        else if (e instanceof Expr.GetItem g) { out.add(g.obj()); out.add(g.key()); }
        else if (e instanceof Expr.Slice s) { out.add(s.obj()); out.add(s.start()); out.add(s.stop()); out.add(s.step()); }
        else if (e instanceof Expr.Call c) { out.add(c.fn()); out.addAll(c.args()); out.addAll(c.kwargs().values()); }
        else if (e instanceof Expr.Filter f) { out.add(f.value()); out.addAll(f.args()); out.addAll(f.kwargs().values()); }
        else if (e instanceof Expr.Test t) { out.add(t.value()); out.addAll(t.args()); }
        else if (e instanceof Expr.Unary u) out.add(u.operand());
        else if (e instanceof Expr.Binary b) { out.add(b.left()); out.add(b.right()); }
        else if (e instanceof Expr.Compare c) { out.add(c.first()); out.addAll(c.rest()); }
        else if (e instanceof Expr.Cond c) { out.add(c.test()); out.add(c.then()); out.add(c.otherwise()); }
        else if (e instanceof Expr.ListLit l) out.addAll(l.items());
        else if (e instanceof Expr.TupleLit t) out.addAll(t.items());
        else if (e instanceof Expr.DictLit d) { out.addAll(d.keys()); out.addAll(d.values()); }
        out.removeIf(x -> x == null);
        return out;
    }

    /** {@link #constant}, with a refusal recorded (in {@link #refused}) and reported as IMPOSSIBLE. */
    private Object attempt(Expr e) {
        try {
            return constant(e);
        } catch (Refused r) {
            return IMPOSSIBLE;
        }
    }

    /** Jinja2's as_const: the value, or IMPOSSIBLE; throws Refused when it needs a refused construct. */
    private Object constant(Expr e) {
        if (e == null) return IMPOSSIBLE;
        if (refused.containsKey(e)) throw new Refused(refused.get(e));
        if (memo.containsKey(e)) return memo.get(e);
        Object v;
        try {
            v = compute(e);
        } catch (Refused r) {
            refused.put(e, r.construct);
            throw r;
        } catch (PyError ex) {
            if (ex.unsupported) {
                refused.put(e, ex.getMessage());
                throw new Refused(ex.getMessage());
            }
            v = IMPOSSIBLE;
        } catch (JinjaException ex) {
            v = IMPOSSIBLE;
        }
        memo.put(e, v);
        return v;
    }

    private Object compute(Expr e) {
        if (e instanceof Expr.Const c) return c.value();
        if (e instanceof Expr.GetAttr g) {
            Object obj = constant(g.obj());
            return obj == IMPOSSIBLE ? IMPOSSIBLE : Access.getattr(obj, g.attr());
        }
        if (e instanceof Expr.GetItem g) {
            Object obj = constant(g.obj()), key = constant(g.key());
            return obj == IMPOSSIBLE || key == IMPOSSIBLE ? IMPOSSIBLE : Access.getitem(obj, key);
        }
        if (e instanceof Expr.Slice s) {
            Object obj = constant(s.obj());
            Object[] bounds = new Object[3];
            Expr[] parts = {s.start(), s.stop(), s.step()};
            for (int i = 0; i < 3; i++) {
                bounds[i] = parts[i] == null ? null : constant(parts[i]);
                if (bounds[i] == IMPOSSIBLE) return IMPOSSIBLE;
            }
            if (obj == IMPOSSIBLE || obj instanceof Undefined) return IMPOSSIBLE;
            if (Py.eq(bounds[2], 0L) && bounds[2] != null) return IMPOSSIBLE;   // ValueError escapes getitem
            try {
                return Access.slice(obj, bounds[0], bounds[1], bounds[2]);
            } catch (PyError p) {
                if (p.unsupported) throw p;
                return new Undefined(Py.typeName(obj) + " cannot be sliced");   // the environment's getitem
            }
        }
        if (e instanceof Expr.Filter f) {
            if (CONTEXT_FILTERS.contains(f.name()) || f.value() == null) return IMPOSSIBLE;
            Object v = constant(f.value());
            List<Object> args = constants(f.args());
            Map<String, Object> kwargs = constants(f.kwargs());
            if (v == IMPOSSIBLE || args == null || kwargs == null) return IMPOSSIBLE;
            return Filters.apply(f.name(), v, new Args("filter " + f.name(), args, kwargs));
        }
        if (e instanceof Expr.Test t) {
            if (!Tests.NAMES.contains(t.name())) return IMPOSSIBLE;
            Object v = constant(t.value());
            List<Object> args = constants(t.args());
            if (v == IMPOSSIBLE || args == null) return IMPOSSIBLE;
            return Tests.apply(t.name(), v, args) != t.negated();
        }
        if (e instanceof Expr.Unary u) {
            Object v = constant(u.operand());
            if (v == IMPOSSIBLE) return IMPOSSIBLE;
            return switch (u.op()) {
                case "not" -> !Py.truthy(v);
                case "-" -> Py.negate(v);
                default -> {
                    if (!Py.isNumber(v)) yield IMPOSSIBLE;
                    yield v instanceof Boolean ? (Object) Py.toLong(v) : v;
                }
            };
        }
        if (e instanceof Expr.Binary b) {
            Object left = constant(b.left());
            if (left == IMPOSSIBLE) return IMPOSSIBLE;
            switch (b.op()) {
                case "and":
                    return Py.truthy(left) ? constant(b.right()) : left;
                case "or":
                    return Py.truthy(left) ? left : constant(b.right());
                default:
                    Object right = constant(b.right());
                    if (right == IMPOSSIBLE) return IMPOSSIBLE;
                    return b.op().equals("~") ? Py.str(left) + Py.str(right) : Py.arithmetic(b.op(), left, right);
            }
        }
        if (e instanceof Expr.Compare c) {
            Object left = constant(c.first());
            if (left == IMPOSSIBLE) return IMPOSSIBLE;
            for (int i = 0; i < c.ops().size(); i++) {
                Object right = constant(c.rest().get(i));
                if (right == IMPOSSIBLE) return IMPOSSIBLE;
                if (!Renderer.compare(c.ops().get(i), left, right)) return false;
                left = right;
            }
            return true;
        }
        if (e instanceof Expr.Cond c) {
            Object test = constant(c.test());
            if (test == IMPOSSIBLE) return IMPOSSIBLE;
            if (Py.truthy(test)) return constant(c.then());
            return c.otherwise() == null ? IMPOSSIBLE : constant(c.otherwise());
        }
        if (e instanceof Expr.ListLit l) {
            List<Object> items = constants(l.items());
            return items == null ? IMPOSSIBLE : items;
        }
        if (e instanceof Expr.TupleLit t) {
            List<Object> items = constants(t.items());
            return items == null ? IMPOSSIBLE : new PyTuple(items);
        }
        if (e instanceof Expr.DictLit d) {
            List<Object> keys = constants(d.keys()), values = constants(d.values());
            if (keys == null || values == null) return IMPOSSIBLE;
            Map<Object, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                if (!(keys.get(i) instanceof String)) return IMPOSSIBLE;
                m.put(keys.get(i), values.get(i));
            }
            return m;
        }
        return IMPOSSIBLE;   // names, calls
    }

    private List<Object> constants(List<Expr> exprs) {
        List<Object> out = new ArrayList<>();
        for (Expr x : exprs) {
            Object v = constant(x);
            if (v == IMPOSSIBLE) return null;
            out.add(v);
        }
        return out;
    }

    private Map<String, Object> constants(Map<String, Expr> exprs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Expr> x : exprs.entrySet()) {
            Object v = constant(x.getValue());
            if (v == IMPOSSIBLE) return null;
            out.put(x.getKey(), v);
        }
        return out;
    }

    /** Jinja2's has_safe_repr. */
    static boolean safe(Object v) {
        if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Double || v instanceof String) return true;
        if (v instanceof DictView d) return d.kind.equals("range");
        if (v instanceof List<?> l) return l.stream().allMatch(Folder::safe);
        if (v instanceof Map<?, ?> m) return m.keySet().stream().allMatch(Folder::safe) && m.values().stream().allMatch(Folder::safe);
        return false;
    }
}
