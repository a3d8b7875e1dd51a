package org.eapo4j.hf.jinja;

/**
 * A template that cannot be parsed or rendered: a syntax error, an undefined value used where Python's Jinja raises
 * (UndefinedError), a type error, or a construct refused by {@link UnsupportedConstructException}. The message names
 * the problem and the template line.
 */
public class JinjaException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public JinjaException(String message) {
        super(message);
    }

    static JinjaException at(int line, String what) {
        return new JinjaException("line " + line + ": " + what);
    }
}
