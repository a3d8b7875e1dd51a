package org.eapo4j.hf.jinja;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Walks the statement tree, evaluating expressions with Python's semantics ({@link Py}) and writing the output. */
final class Renderer {
    private enum Flow { NORMAL, BREAK, CONTINUE }

    private final Supplier<ZonedDateTime> now;
    private final Folder folder;

    Renderer(Supplier<ZonedDateTime> now, Folder folder) {
        this.now = now;
        this.folder = folder;
    }

    /** The root scope: Jinja2's globals as transformers sets them, then the template's variables over them. */
    Scope globals(Map<String, Object> context) {
        Scope s = new Scope(Globals.scope(now));
        for (Map.Entry<String, Object> e : context.entrySet()) s.set(e.getKey(), e.getValue());
        return s;
    }

    // ---- statements

    void renderBody(List<Node> body, Scope scope, StringBuilder out) {
        Flow f = render(body, scope, out);
        if (f != Flow.NORMAL) throw new JinjaException("'" + f.name().toLowerCase() + "' outside a for loop");
    }

    private Flow render(List<Node> body, Scope scope, StringBuilder out) {
        for (Node n : body) {
            Flow f = render(n, scope, out);
            if (f != Flow.NORMAL) return f;
        }
        return Flow.NORMAL;
    }

    private Flow render(Node n, Scope scope, StringBuilder out) {
        if (n instanceof Node.Text t) {
            out.append(t.text());
        } else if (n instanceof Node.Print p) {
            String constant = folder.printed.get(p.expr());
            out.append(constant != null ? constant : str(eval(p.expr(), scope), p.expr().line()));
        } else if (n instanceof Node.If f) {
            for (int i = 0; i < f.tests().size(); i++) {
                if (truthy(eval(f.tests().get(i), scope))) return render(f.bodies().get(i), scope, out);
            }
            return render(f.elseBody(), scope, out);
        } else if (n instanceof Node.For f) {
            return renderFor(f, scope, out);
        } else if (n instanceof Node.Set s) {
            assign(s.target(), eval(s.value(), scope), scope, s.line());
        } else if (n instanceof Node.SetBlock s) {
            StringBuilder sb = new StringBuilder();
            Flow f = render(s.body(), scope, sb);
            scope.set(s.name(), applyFilters(s.filters(), sb.toString(), scope));
            return f;
        } else if (n instanceof Node.Macro m) {
            scope.set(m.name(), new Macro(m, scope, this));
        } else if (n instanceof Node.FilterBlock fb) {
            StringBuilder sb = new StringBuilder();
            Flow f = render(fb.body(), scope, sb);
            out.append(str(applyFilters(fb.filters(), sb.toString(), scope), fb.line()));
            return f;
        } else if (n instanceof Node.Generation g) {
            return render(g.body(), scope, out);
        } else if (n instanceof Node.Break) {
            return Flow.BREAK;
        } else if (n instanceof Node.Continue) {
            return Flow.CONTINUE;
        }
        return Flow.NORMAL;
    }

    private Flow renderFor(Node.For f, Scope scope, StringBuilder out) {
        Object iterable = eval(f.iter(), scope);
        List<Object> items;
        try {
            items = Py.iterate(iterable);
        } catch (PyError e) {
            throw convert(e, f.line());
        }
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                assign(f.target(), item, s, f.line());
                if (truthy(eval(f.filter(), s))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) return render(f.elseBody(), new Scope(scope), out);
        LoopInfo loop = new LoopInfo(items);
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Scope s = new Scope(scope);
            assign(f.target(), items.get(i), s, f.line());
            s.set("loop", loop);
            if (render(f.body(), s, out) == Flow.BREAK) break;
        }
        return Flow.NORMAL;
    }

    private void assign(Expr target, Object value, Scope scope, int line) {
        if (target instanceof Expr.Name n) {
            scope.set(n.name(), value);
        } else if (target instanceof Expr.GetAttr g) {
            Object ns = eval(g.obj(), scope);
            if (!(ns instanceof Namespace namespace))
                throw JinjaException.at(line, "cannot assign attribute on non-namespace object");
            namespace.attrs.put(g.attr(), value);
        } else if (target instanceof Expr.TupleLit t) {
            List<Object> items;
            try {
                items = Py.iterate(value);
            } catch (PyError e) {
                throw convert(e, line);
            }
            if (items.size() != t.items().size())
                throw JinjaException.at(line, (items.size() < t.items().size() ? "not enough" : "too many")
                        + " values to unpack (expected " + t.items().size() + ", got " + items.size() + ")");
            for (int i = 0; i < items.size(); i++) assign(t.items().get(i), items.get(i), scope, line);
        } else {
            throw JinjaException.at(line, "cannot assign to this expression");
        }
    }

    private Object applyFilters(List<Expr.Filter> filters, Object value, Scope scope) {
        Object v = value;
        for (Expr.Filter f : filters) v = filter(f, v, scope);
        return v;
    }

    // ---- expressions

    Object eval(Expr e, Scope scope) {
        if (folder.folded.containsKey(e)) return folder.folded.get(e);
        String refused = folder.refused.get(e);
        if (refused != null) throw new UnsupportedConstructException(e.line(), refused);
        try {
            return evalInner(e, scope);
        } catch (PyError p) {
            throw convert(p, e.line());
        }
    }

    private static JinjaException convert(PyError p, int line) {
        return p.unsupported ? new UnsupportedConstructException(line, p.getMessage()) : JinjaException.at(line, p.getMessage());
    }

    private Object evalInner(Expr e, Scope scope) {
        if (e instanceof Expr.Const c) {
            return c.value();
        }
        if (e instanceof Expr.Name n) {
            return scope.lookup(n.name());
        }
        if (e instanceof Expr.GetAttr g) {
            return Access.getattr(eval(g.obj(), scope), g.attr());
        }
        if (e instanceof Expr.GetItem g) {
            Object obj = eval(g.obj(), scope);
            return Access.getitem(obj, eval(g.key(), scope));
        }
        if (e instanceof Expr.Slice s) {
            Object obj = eval(s.obj(), scope);
            return Access.slice(obj, opt(s.start(), scope), opt(s.stop(), scope), opt(s.step(), scope));
        }
        if (e instanceof Expr.Call c) {
            Object fn = eval(c.fn(), scope);
            List<Object> args = evalAll(c.args(), scope);
            Map<String, Object> kwargs = evalKw(c.kwargs(), scope);
            if (fn instanceof PyCallable pc) return pc.call(args, kwargs);
            if (fn instanceof Undefined u) throw u.fail();
            throw PyError.type("'" + Py.typeName(fn) + "' object is not callable");
        }
        if (e instanceof Expr.Filter f) {
            return filter(f, eval(f.value(), scope), scope);
        }
        if (e instanceof Expr.Test t) {
            Object v = eval(t.value(), scope);
            if (!Tests.NAMES.contains(t.name())) throw PyError.unsupported("test '" + t.name() + "'");
            boolean r = Tests.apply(t.name(), v, evalAll(t.args(), scope));
            return r != t.negated();
        }
        if (e instanceof Expr.Unary u) {
            Object v = eval(u.operand(), scope);
            return switch (u.op()) {
                case "not" -> !Py.truthy(v);
                case "-" -> Py.negate(v);
                default -> {
                    if (v instanceof Undefined un) throw un.fail();
                    if (!Py.isNumber(v)) throw PyError.type("bad operand type for unary +: '" + Py.typeName(v) + "'");
                    yield v instanceof Boolean ? (Object) Py.toLong(v) : v;
                }
            };
        }
        if (e instanceof Expr.Binary b) {
            Object left = eval(b.left(), scope);
            switch (b.op()) {
                case "and" -> {
                    return Py.truthy(left) ? eval(b.right(), scope) : left;
                }
                case "or" -> {
                    return Py.truthy(left) ? left : eval(b.right(), scope);
                }
                case "~" -> {
                    return Py.str(left) + Py.str(eval(b.right(), scope));
                }
                default -> {
                    return Py.arithmetic(b.op(), left, eval(b.right(), scope));
                }
            }
        }
        if (e instanceof Expr.Compare c) {
            Object left = eval(c.first(), scope);
            for (int i = 0; i < c.ops().size(); i++) {
                Object right = eval(c.rest().get(i), scope);
                if (!compare(c.ops().get(i), left, right)) return false;
                left = right;
            }
            return true;
        }
        if (e instanceof Expr.Cond c) {
            if (Py.truthy(eval(c.test(), scope))) return eval(c.then(), scope);
            return c.otherwise() == null ? new Undefined("the inline if expression evaluated to false and no "
                    + "else section was defined") : eval(c.otherwise(), scope);
        }
        if (e instanceof Expr.ListLit l) {
            return evalAll(l.items(), scope);
        }
        if (e instanceof Expr.TupleLit t) {
            return new PyTuple(evalAll(t.items(), scope));
        }
        if (e instanceof Expr.DictLit d) {
            Map<Object, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                Object k = eval(d.keys().get(i), scope);
                if (k instanceof List && !(k instanceof PyTuple) || k instanceof Map)
                    throw PyError.type("unhashable type: '" + Py.typeName(k) + "'");
                if (!(k instanceof String)) throw PyError.unsupported("a dict key of type " + Py.typeName(k));
                m.put(k, eval(d.values().get(i), scope));
            }
            return m;
        }
        throw new IllegalStateException("unknown expression " + e);
    }

    static boolean compare(String op, Object l, Object r) {
        return switch (op) {
            case "==" -> Py.eq(l, r);
            case "!=" -> !Py.eq(l, r);
            case "<" -> Py.compare(l, r, op) < 0;
            case "<=" -> Py.compare(l, r, op) <= 0;
            case ">" -> Py.compare(l, r, op) > 0;
            case ">=" -> Py.compare(l, r, op) >= 0;
            case "in" -> Py.contains(r, l);
            case "not in" -> !Py.contains(r, l);
            default -> throw PyError.unsupported("operator '" + op + "'");
        };
    }

    private Object filter(Expr.Filter f, Object value, Scope scope) {
        try {
            return Filters.apply(f.name(), value, new Args("filter " + f.name(), evalAll(f.args(), scope),
                    evalKw(f.kwargs(), scope)));
        } catch (PyError p) {
            throw convert(p, f.line());
        }
    }

    private Object opt(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) out.add(eval(x, scope));
        return out;
    }

    private Map<String, Object> evalKw(Map<String, Expr> kwargs, Scope scope) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Expr> e : kwargs.entrySet()) out.put(e.getKey(), eval(e.getValue(), scope));
        return out;
    }

    private static boolean truthy(Object v) {
        return Py.truthy(v);
    }

    private static String str(Object v, int line) {
        try {
            return Py.str(v);
        } catch (PyError p) {
            throw convert(p, line);
        }
    }
}
