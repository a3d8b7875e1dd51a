package org.eapo4j.train;

import java.util.List;

/**
 * A configuration value (or a relation between values) that {@link RlConfig#validate()} rejects. {@link #fields()}
 * are the JSON names of the settings involved, so a front end can name its own spelling of them (the CLI prints its
 * flags); the message starts with the first field's JSON name.
 */
public class ConfigException extends IllegalArgumentException {
    private final List<String> fields;
    private final String problem;

    public ConfigException(List<String> fields, String problem) {
        super(fields.get(0) + ": " + problem);
        this.fields = List.copyOf(fields);
        this.problem = problem;
    }

    public ConfigException(String field, String problem) {
        this(List.of(field), problem);
    }

    /** JSON names of the settings the problem concerns (first = the one to change). */
    public List<String> fields() {
        return fields;
    }

    /** The problem without the field names. */
    public String problem() {
        return problem;
    }
}
