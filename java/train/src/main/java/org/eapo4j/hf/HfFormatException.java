package org.eapo4j.hf;

import java.nio.file.Path;

/**
 * A Hugging Face model folder, safetensors file, config or tokenizer that cannot be used as it is. The message is one
 * line naming the file and, where there is one, the tensor or key at fault.
 */
public final class HfFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public HfFormatException(String message) {
        super(message);
    }

    public HfFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "{file}: {what}" - the usual shape of the message. */
    public static HfFormatException at(Path file, String what) {
        return new HfFormatException(file + ": " + what);
    }

    public static HfFormatException at(Path file, String what, Throwable cause) {
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new HfFormatException(file + ": " + what + " (" + detail.lines().findFirst().orElse("") + ")", cause);
    }
}
