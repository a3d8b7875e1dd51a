package org.eapo4j.data;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a file's bytes into lines and decodes each one as strict UTF-8, so that a bad byte is reported with its
 * exact line (a buffered reader decodes ahead and loses it). Accepts LF and CRLF line ends and drops a leading BOM.
 */
final class StrictUtf8Lines {
    private StrictUtf8Lines() {}

    /** The decoded lines; line {@code i} of the list is line {@code i + 1} of the file. */
    static List<String> split(String source, byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf)
            start = 3;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                lines.add(dec.reset().decode(ByteBuffer.wrap(bytes, start, stop - start)).toString());
            } catch (CharacterCodingException e) {
                throw new DataFormatException(source, lines.size() + 1, "not valid UTF-8 text");
            }
            start = end + 1;
        }
        return lines;
    }
}
