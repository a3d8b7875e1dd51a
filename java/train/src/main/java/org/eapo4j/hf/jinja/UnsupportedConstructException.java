package org.eapo4j.hf.jinja;

/**
 * A Jinja construct this interpreter does not render as Python's Jinja2 would (a tag, filter, test, method or
 * operator outside the subset chat templates use). It is refused, never rendered differently; {@link #construct()}
 * names it.
 */
public final class UnsupportedConstructException extends JinjaException {
    private static final long serialVersionUID = 1L;
    private final String construct;

    public UnsupportedConstructException(int line, String construct) {
        super("line " + line + ": unsupported Jinja construct: " + construct);
        this.construct = construct;
    }

    /** The construct, e.g. "filter 'wordcount'" or "tag 'include'". */
    public String construct() {
        return construct;
    }
}
