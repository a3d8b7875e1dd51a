package org.eapo4j.data;

/** A data file that does not follow the JSONL format; the message names the file and the line. */
public class DataFormatException extends RuntimeException {
    private final String source;
    private final int line;

    public DataFormatException(String source, int line, String problem) {
        super(source + ":" + line + ": " + problem);
        this.source = source;
        this.line = line;
    }

    public String source() {
        return source;
    }

    /** 1-based line number, 0 when the problem concerns the whole file. */
    public int line() {
        return line;
    }
}
