package org.eapo4j.hf.jinja;

/** The template called {@code raise_exception(message)} (as transformers provides it): it refuses its input. */
public final class TemplateRaisedException extends JinjaException {
    private static final long serialVersionUID = 1L;
    private final String templateMessage;

    public TemplateRaisedException(String templateMessage) {
        super(templateMessage);
        this.templateMessage = templateMessage;
    }

    /** The message the template passed to raise_exception. */
    public String templateMessage() {
        return templateMessage;
    }
}
