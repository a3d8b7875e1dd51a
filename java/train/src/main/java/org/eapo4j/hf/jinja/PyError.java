package org.eapo4j.hf.jinja;

/**
 * An error in evaluating a value with Python's semantics (a TypeError, UndefinedError, ... in Jinja2), or a construct
 * refused; the renderer turns it into a {@link JinjaException} or {@link UnsupportedConstructException} with the line.
 */
final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final boolean unsupported;

    private PyError(String message, boolean unsupported) {
        super(message, null, false, false);
        this.unsupported = unsupported;
    }

    static PyError type(String message) {
        return new PyError(message, false);
    }

    /** A construct this interpreter refuses; {@code construct} names it. */
    static PyError unsupported(String construct) {
        return new PyError(construct, true);
    }
}
