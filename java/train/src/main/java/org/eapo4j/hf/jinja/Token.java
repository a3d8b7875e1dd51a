package org.eapo4j.hf.jinja;

/**
 * One lexed token. {@code value} is the decoded value for STRING (the unescaped text), INTEGER (Long) and FLOAT
 * (Double); {@code text} is the source text (for DATA, the text after whitespace control).
 */
record Token(Kind kind, String text, Object value, int line) {
    enum Kind { DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    boolean isOp(String op) {
        return is(Kind.OPERATOR, op);
    }
}
