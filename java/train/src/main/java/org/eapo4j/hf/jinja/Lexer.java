package org.eapo4j.hf.jinja;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.eapo4j.hf.jinja.Token.Kind;

/**
 * Splits a template into tokens as Jinja2's lexer does with transformers' settings: {@code trim_blocks} (the first
 * newline after a block or comment tag is dropped), {@code lstrip_blocks} (spaces and tabs from the start of a line
 * to a block or comment tag are dropped), {@code -} / {@code +} whitespace control, and without
 * {@code keep_trailing_newline} (one trailing newline of the template is dropped). Newlines are normalised to
 * {@code \n}.
 */
final class Lexer {
    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[",
        "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String src) {
        this.src = src;
    }

    static List<Token> lex(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        Lexer lx = new Lexer(s);
        lx.root();
        lx.out.add(new Token(Kind.EOF, "", null, lx.line));
        return lx.out;
    }

    private void root() {
        while (pos < src.length()) {
            int idx = nextOpener(pos);
            if (idx < 0) {
                emitData(src.substring(pos), line);
                advanceTo(src.length());
                return;
            }
            char type = src.charAt(idx + 1);
            char sign = idx + 2 < src.length() && (src.charAt(idx + 2) == '-' || src.charAt(idx + 2) == '+')
                    ? src.charAt(idx + 2) : 0;
            if (type == '%' && isRaw(idx)) throw new UnsupportedConstructException(lineAt(idx), "tag 'raw'");
            String text = src.substring(pos, idx);
            if (sign == '-') {
                text = Py.rstrip(text, null);
            } else if (sign != '+' && type != '{') {
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && lpos < text.length() && allSpace(text, lpos))
                    text = text.substring(0, lpos);
            }
            int dataLine = line;
            emitData(text, dataLine);
            advanceTo(idx + 2 + (sign != 0 ? 1 : 0));
            if (type == '#') comment();
            else tag(type == '%');
        }
    }

    private void comment() {
        int startLine = line;
        for (int j = pos; j < src.length(); j++) {
            if (src.startsWith("+#}", j)) {
                finishTag(j + 3);
                return;
            }
            if (src.startsWith("-#}", j)) {
                finishTag(skipSpace(j + 3));
                return;
            }
            if (src.startsWith("#}", j)) {
                int end = j + 2;
                if (end < src.length() && src.charAt(end) == '\n') end++;
                finishTag(end);
                return;
            }
        }
        throw JinjaException.at(startLine, "missing end of comment tag");
    }

    private void tag(boolean block) {
        out.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, block ? "{%" : "{{", null, line));
        Deque<Character> balance = new ArrayDeque<>();
        int startLine = line;
        while (true) {
            if (pos >= src.length())
                throw JinjaException.at(startLine, "unexpected end of template: missing end of "
                        + (block ? "block" : "variable") + " tag");
            if (balance.isEmpty()) {
                int end = tagEnd(block);
                if (end >= 0) {
                    out.add(new Token(block ? Kind.BLOCK_END : Kind.VARIABLE_END, block ? "%}" : "}}", null, line));
                    finishTag(end);
                    return;
                }
            }
            char c = src.charAt(pos);
            if (Py.isSpace(c)) {
                advanceTo(pos + 1);
            } else if (Character.isDigit(c)) {
                number();
            } else if (c == '_' || Character.isLetter(c)) {
                int j = pos + 1;
                while (j < src.length() && (src.charAt(j) == '_' || Character.isLetterOrDigit(src.charAt(j)))) j++;
                out.add(new Token(Kind.NAME, src.substring(pos, j), null, line));
                advanceTo(j);
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                String op = null;
                for (String o : OPERATORS) if (src.startsWith(o, pos)) { op = o; break; }
                if (op == null) throw JinjaException.at(line, "unexpected character '" + c + "'");
                if (op.equals("(") || op.equals("[") || op.equals("{")) balance.push(op.charAt(0));
                else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    char want = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                    if (balance.isEmpty() || balance.pop() != want)
                        throw JinjaException.at(line, "unexpected '" + op + "'");
                }
                out.add(new Token(Kind.OPERATOR, op, null, line));
                advanceTo(pos + op.length());
            }
        }
    }

    /** The end offset of the tag's closing marker at pos (with its whitespace control), or -1. */
    private int tagEnd(boolean block) {
        String close = block ? "%}" : "}}";
        if (block && src.startsWith("+" + close, pos)) return pos + 3;
        if (src.startsWith("-" + close, pos)) return skipSpace(pos + 3);
        if (src.startsWith(close, pos)) {
            int end = pos + 2;
            if (block && end < src.length() && src.charAt(end) == '\n') end++;
            return end;
        }
        return -1;
    }

    private void number() {
        int j = digits(pos);
        boolean isFloat = false;
        if (j + 1 < src.length() && src.charAt(j) == '.' && Character.isDigit(src.charAt(j + 1))
                && (pos == 0 || src.charAt(pos - 1) != '.')) {
            j = digits(j + 1);
            isFloat = true;
        }
        if (j < src.length() && (src.charAt(j) == 'e' || src.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < src.length() && (src.charAt(k) == '+' || src.charAt(k) == '-')) k++;
            if (k < src.length() && Character.isDigit(src.charAt(k))) {
                j = digits(k);
                isFloat = true;
            }
        }
        String text = src.substring(pos, j);
        String clean = text.replace("_", "");
        Object value;
        if (isFloat) {
            value = Double.parseDouble(clean);
        } else {
            if (clean.length() > 1 && clean.startsWith("0") && !clean.matches("0+"))
                throw new UnsupportedConstructException(line, "integer literal '" + text + "'");
            try {
                value = Long.parseLong(clean);
            } catch (NumberFormatException e) {
                throw new UnsupportedConstructException(line, "integer literal beyond 64 bits '" + text + "'");
            }
        }
        out.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, value, line));
        advanceTo(j);
        if (pos < src.length() && (Character.isLetter(src.charAt(pos)) || src.charAt(pos) == '_'))
            throw new UnsupportedConstructException(line, "number literal '" + text + src.charAt(pos) + "...'");
    }

    private int digits(int j) {
        while (j < src.length() && (Character.isDigit(src.charAt(j))
                || (src.charAt(j) == '_' && j + 1 < src.length() && Character.isDigit(src.charAt(j + 1))))) j++;
        return j;
    }

    private void string(char quote) {
        int startLine = line;
        int j = pos + 1;
        while (j < src.length() && src.charAt(j) != quote) {
            if (src.charAt(j) == '\\') j++;
            j++;
        }
        if (j >= src.length()) throw JinjaException.at(startLine, "unterminated string literal");
        String raw = src.substring(pos + 1, j);
        out.add(new Token(Kind.STRING, src.substring(pos, j + 1), unescape(raw, startLine), startLine));
        advanceTo(j + 1);
    }

    /** Python's unicode-escape decoding, as Jinja2 applies it to string literals. */
    static String unescape(String raw, int line) {
        if (raw.indexOf('\\') < 0) return raw;
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 >= raw.length()) {
                sb.append(c);
                continue;
            }
            char e = raw.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = raw.substring(i + 1, Math.min(raw.length(), i + 1 + n));
                    if (hex.length() != n || !hex.matches("[0-9a-fA-F]+"))
                        throw JinjaException.at(line, "truncated \\" + e + " escape in a string literal");
                    sb.appendCodePoint(Integer.parseInt(hex, 16));
                    i += n;
                }
                case 'N' -> throw new UnsupportedConstructException(line, "\\N{...} escape in a string literal");
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0', k = 1;
                        while (k < 3 && i + 1 < raw.length() && raw.charAt(i + 1) >= '0' && raw.charAt(i + 1) <= '7') {
                            v = v * 8 + raw.charAt(++i) - '0';
                            k++;
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }

    private int nextOpener(int from) {
        for (int i = from; i + 1 < src.length(); i++) {
            if (src.charAt(i) == '{') {
                char n = src.charAt(i + 1);
                if (n == '{' || n == '%' || n == '#') return i;
            }
        }
        return -1;
    }

    private static final java.util.regex.Pattern RAW = java.util.regex.Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");

    private boolean isRaw(int idx) {
        return RAW.matcher(src).region(idx, src.length()).lookingAt();
    }

    private void finishTag(int end) {
        lineStarting = end > 0 && src.charAt(end - 1) == '\n';
        advanceTo(end);
    }

    private int skipSpace(int j) {
        while (j < src.length() && Py.isSpace(src.charAt(j))) j++;
        return j;
    }

    private static boolean allSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) if (!Py.isSpace(s.charAt(i))) return false;
        return true;
    }

    private void emitData(String text, int dataLine) {
        if (!text.isEmpty()) out.add(new Token(Kind.DATA, text, null, dataLine));
    }

    private void advanceTo(int end) {
        for (int i = pos; i < end; i++) if (src.charAt(i) == '\n') line++;
        pos = end;
    }

    private int lineAt(int idx) {
        int l = line;
        for (int i = pos; i < idx; i++) if (src.charAt(i) == '\n') l++;
        return l;
    }
}
