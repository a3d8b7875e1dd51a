package org.eapo4j.hf.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eapo4j.hf.jinja.Token.Kind;

/**
 * Builds the statement tree from the tokens, with Jinja2's grammar and operator precedence (lowest first):
 * {@code x if c else y}, {@code or}, {@code and}, {@code not}, comparisons and {@code in}, {@code + -}, {@code ~},
 * {@code * / // %}, {@code **}, unary {@code - +}, then postfix ({@code .attr}, {@code [key]}, slices, calls) and
 * filters / tests. Tags outside the supported set are refused with their name.
 */
final class Parser {
    private static final Set<String> UNSUPPORTED_TAGS = Set.of("block", "extends", "include", "import", "from",
            "call", "with", "autoescape", "raw", "do", "trans", "pluralize", "endtrans", "debug");
    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private int i;
    /** For loops around the current statement (a macro body starts again at 0): break / continue need one. */
    private int loops;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.lex(source));
        List<Node> body = p.subparse(Set.of());
        if (p.peek().kind() != Kind.EOF) throw p.error("unexpected '" + p.peek().text() + "'");
        return body;
    }

    // ---- statements

    /** Nodes up to a block tag named in {@code ends} (left with that name as the current token) or the end. */
    private List<Node> subparse(Set<String> ends) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    body.add(new Node.Text(t.text()));
                }
                case VARIABLE_BEGIN -> {
                    next();
                    body.add(new Node.Print(parseTuple(false, true, Set.of(), false)));
                    expect(Kind.VARIABLE_END, "end of print statement '}}'");
                }
                case BLOCK_BEGIN -> {
                    next();
                    Token name = peek();
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) return body;
                    body.add(statement());
                }
                case EOF -> {
                    if (!ends.isEmpty())
                        throw JinjaException.at(t.line(), "unexpected end of template: expected one of " + ends);
                    return body;
                }
                default -> throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private Node statement() {
        Token t = peek();
        if (t.kind() != Kind.NAME) throw error("expected a tag name, got '" + t.text() + "'");
        String tag = t.text();
        if (UNSUPPORTED_TAGS.contains(tag)) throw new UnsupportedConstructException(t.line(), "tag '" + tag + "'");
        next();
        Node n = switch (tag) {
            case "for" -> parseFor(t.line());
            case "if" -> parseIf();
            case "set" -> parseSet(t.line());
            case "macro" -> parseMacro(t.line());
            case "filter" -> parseFilterBlock(t.line());
            case "generation" -> {
                expectBlockEnd();
                List<Node> body = subparse(Set.of("endgeneration"));
                next();
                yield new Node.Generation(body);
            }
            case "break", "continue" -> {
                if (loops == 0) throw JinjaException.at(t.line(), "'" + tag + "' outside a for loop");
                yield tag.equals("break") ? new Node.Break(t.line()) : new Node.Continue(t.line());
            }
            default -> throw new UnsupportedConstructException(t.line(), "tag '" + tag + "'");
        };
        expectBlockEnd();
        return n;
    }

    private Node parseFor(int line) {
        Expr target = parseAssignTarget(false);
        expectName("in");
        Expr iter = parseTuple(false, false, Set.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) filter = parseExpression(true);
        if (peek().isName("recursive")) throw new UnsupportedConstructException(peek().line(), "recursive for loop");
        expectBlockEnd();
        loops++;
        List<Node> body = subparse(Set.of("endfor", "else"));
        loops--;
        List<Node> elseBody = List.of();
        if (next().text().equals("else")) {
            expectBlockEnd();
            elseBody = subparse(Set.of("endfor"));
            next();
        }
        return new Node.For(target, iter, filter, body, elseBody, line);
    }

    private Node parseIf() {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        tests.add(parseTuple(false, false, Set.of(), false));
        while (true) {
            expectBlockEnd();
            bodies.add(subparse(Set.of("elif", "else", "endif")));
            String tag = next().text();
            if (tag.equals("elif")) {
                tests.add(parseTuple(false, false, Set.of(), false));
            } else if (tag.equals("else")) {
                expectBlockEnd();
                List<Node> elseBody = subparse(Set.of("endif"));
                next();
                return new Node.If(tests, bodies, elseBody);
            } else {
                return new Node.If(tests, bodies, List.of());
            }
        }
    }

    private Node parseSet(int line) {
        Expr target = parseAssignTarget(true);
        if (skipOp("=")) return new Node.Set(target, parseTuple(false, true, Set.of(), false), line);
        if (!(target instanceof Expr.Name n))
            throw new UnsupportedConstructException(line, "block set of a namespace attribute or tuple");
        List<Expr.Filter> filters = parseFilterChain();
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endset"));
        next();
        return new Node.SetBlock(n.name(), filters, body, line);
    }

    private Node parseMacro(int line) {
        String name = expect(Kind.NAME, "macro name").text();
        expectOp("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) expectOp(",");
            if (peek().isOp(")")) break;
            params.add(expect(Kind.NAME, "macro parameter name").text());
            if (skipOp("=")) defaults.add(parseExpression(true));
            else if (!defaults.isEmpty()) throw error("non-default macro argument follows default argument");
        }
        expectOp(")");
        expectBlockEnd();
        int outerLoops = loops;
        loops = 0;
        List<Node> body = subparse(Set.of("endmacro"));
        loops = outerLoops;
        next();
        return new Node.Macro(name, params, defaults, body, line);
    }

    private Node parseFilterBlock(int line) {
        List<Expr.Filter> filters = new ArrayList<>();
        filters.add(parseFilterCall(null));
        filters.addAll(parseFilterChain());
        expectBlockEnd();
        List<Node> body = subparse(Set.of("endfilter"));
        next();
        return new Node.FilterBlock(filters, body, line);
    }

    private List<Expr.Filter> parseFilterChain() {
        List<Expr.Filter> filters = new ArrayList<>();
        while (skipOp("|")) filters.add(parseFilterCall(null));
        return filters;
    }

    /** A name, {@code ns.attr} when {@code withNamespace}, or a tuple of names. */
    private Expr parseAssignTarget(boolean withNamespace) {
        int line = peek().line();
        List<Expr> names = new ArrayList<>();
        boolean tuple = false;
        boolean paren = skipOp("(");
        while (true) {
            Token n = expect(Kind.NAME, "a name to assign to");
            Expr target = new Expr.Name(n.text(), n.line());
            if (withNamespace && peek().isOp(".") && names.isEmpty()) {
                next();
                target = new Expr.GetAttr(target, expect(Kind.NAME, "attribute name").text(), n.line());
                return target;
            }
            names.add(target);
            if (!skipOp(",")) break;
            tuple = true;
            if (!(peek().kind() == Kind.NAME) || peek().isName("in")) break;
        }
        if (paren) expectOp(")");
        return tuple || paren && names.size() > 1 ? new Expr.TupleLit(names, line) : names.get(0);
    }

    // ---- expressions

    private Expr parseTuple(boolean simplified, boolean withCondexpr, Set<String> extraEnds, boolean explicitParens) {
        int line = peek().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) expectOp(",");
            if (isTupleEnd(extraEnds)) break;
            args.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (peek().isOp(",")) isTuple = true;
            else break;
        }
        if (!isTuple) {
            if (!args.isEmpty()) return args.get(0);
            if (!explicitParens) throw error("expected an expression, got '" + peek().text() + "'");
        }
        return new Expr.TupleLit(args, line);
    }

    private boolean isTupleEnd(Set<String> extraEnds) {
        Token t = peek();
        if (t.kind() == Kind.VARIABLE_END || t.kind() == Kind.BLOCK_END || t.isOp(")")) return true;
        return t.kind() == Kind.NAME && extraEnds.contains(t.text());
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        int line = peek().line();
        Expr e = parseOr();
        while (skipName("if")) {
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseCondexpr() : null;
            e = new Expr.Cond(test, e, otherwise, line);
        }
        return e;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Binary("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.Binary("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OPERATOR && COMPARE.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peekAt(1).isName("in")) {
                next();
                next();
                ops.add("not in");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (peek().isOp("~")) {
            Token op = next();
            left = new Expr.Binary("~", left, parseMath2(), op.line());
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            e = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(e);
        return withFilter ? parseFilterExpr(e) : e;
    }

    private Expr parsePrimary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> new Expr.Name(t.text(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) sb.append((String) next().value());
                return new Expr.Const(sb.toString(), t.line());
            }
            case INTEGER, FLOAT -> {
                return new Expr.Const(t.value(), t.line());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        Expr e = parseTuple(false, true, Set.of(), true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) expectOp(",");
                            if (peek().isOp("]")) break;
                            items.add(parseExpression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLit(items, t.line());
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>(), values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) expectOp(",");
                            if (peek().isOp("}")) break;
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLit(keys, values, t.line());
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw JinjaException.at(t.line(), "unexpected '" + t.text() + "'");
    }

    private Expr parsePostfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token a = next();
                if (a.kind() == Kind.NAME) e = new Expr.GetAttr(e, a.text(), a.line());
                else if (a.kind() == Kind.INTEGER) e = new Expr.GetItem(e, new Expr.Const(a.value(), a.line()), a.line());
                else throw JinjaException.at(a.line(), "expected an attribute name after '.', got '" + a.text() + "'");
            } else if (t.isOp("[")) {
                next();
                e = parseSubscript(e, t.line());
            } else if (t.isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Expr parseSubscript(Expr obj, int line) {
        Expr start = null, stop = null, step = null;
        boolean slice = false;
        if (!peek().isOp(":")) start = parseExpression(true);
        if (peek().isOp(",")) throw new UnsupportedConstructException(line, "tuple subscript");
        if (skipOp(":")) {
            slice = true;
            if (!peek().isOp("]") && !peek().isOp(":")) stop = parseExpression(true);
            if (skipOp(":") && !peek().isOp("]")) step = parseExpression(true);
        }
        expectOp("]");
        return slice ? new Expr.Slice(obj, start, stop, step, line) : new Expr.GetItem(obj, start, line);
    }

    private Expr parseCall(Expr fn) {
        int line = peek().line();
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        parseArgs(args, kwargs);
        return new Expr.Call(fn, args, kwargs, line);
    }

    private void parseArgs(List<Expr> args, Map<String, Expr> kwargs) {
        expectOp("(");
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) expectOp(",");
            first = false;
            if (peek().isOp(")")) break;
            if (peek().isOp("*") || peek().isOp("**"))
                throw new UnsupportedConstructException(peek().line(), "'" + peek().text() + "' arguments in a call");
            if (peek().kind() == Kind.NAME && peekAt(1).isOp("=")) {
                String key = next().text();
                next();
                kwargs.put(key, parseExpression(true));
            } else {
                if (!kwargs.isEmpty()) throw error("positional argument follows keyword argument");
                args.add(parseExpression(true));
            }
        }
        expectOp(")");
    }

    private Expr parseFilterExpr(Expr e) {
        while (true) {
            if (peek().isOp("|")) {
                next();
                e = parseFilterCall(e);
            } else if (peek().isName("is")) {
                e = parseTest(e);
            } else if (peek().isOp("(")) {
                e = parseCall(e);
            } else {
                return e;
            }
        }
    }

    private Expr.Filter parseFilterCall(Expr value) {
        Token n = expect(Kind.NAME, "a filter name");
        String name = dottedName(n.text());
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        if (peek().isOp("(")) parseArgs(args, kwargs);
        return new Expr.Filter(value, name, args, kwargs, n.line());
    }

    private Expr parseTest(Expr value) {
        next();   // is
        boolean negated = skipName("not");
        Token n = expect(Kind.NAME, "a test name");
        String name = dottedName(n.text());
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        Token t = peek();
        if (t.isOp("(")) {
            parseArgs(args, kwargs);
            if (!kwargs.isEmpty()) throw new UnsupportedConstructException(n.line(), "keyword arguments to a test");
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) throw error("you cannot chain multiple tests with is");
            args.add(parsePostfix(parsePrimary()));
        }
        return new Expr.Test(value, name, args, negated, n.line());
    }

    private String dottedName(String first) {
        StringBuilder sb = new StringBuilder(first);
        while (peek().isOp(".") && peekAt(1).kind() == Kind.NAME) {
            next();
            sb.append('.').append(next().text());
        }
        return sb.toString();
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(i);
    }

    private Token peekAt(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind() != Kind.EOF) i++;
        return t;
    }

    private Token expect(Kind kind, String what) {
        Token t = peek();
        if (t.kind() != kind) throw error("expected " + what + ", got '" + t.text() + "'");
        return next();
    }

    private void expectOp(String op) {
        if (!skipOp(op)) throw error("expected '" + op + "', got '" + peek().text() + "'");
    }

    private void expectName(String name) {
        if (!skipName(name)) throw error("expected '" + name + "', got '" + peek().text() + "'");
    }

    private void expectBlockEnd() {
        expect(Kind.BLOCK_END, "end of statement '%}'");
    }

    private boolean skipOp(String op) {
        if (!peek().isOp(op)) return false;
        next();
        return true;
    }

    private boolean skipName(String name) {
        if (!peek().isName(name)) return false;
        next();
        return true;
    }

    private JinjaException error(String what) {
        Token t = peek();
        return JinjaException.at(t.line(), what.replace("got ''", "got the end of the template"));
    }
}
