package dev.kiln.inference.predict;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The files of a {@code multipart/form-data} body (RFC 7578), parsed in memory. RESTEasy Reactive's own multipart
 * handling writes every part to a temporary file through Vert.x's blocking file system, with no setting to keep
 * parts in memory: measured on 32-PNG requests, that took 27 of their 61 ms, while the forward pass waited. A
 * request's images are small and bounded by {@code quarkus.http.limits.max-body-size}, so they stay in memory.
 * A part is a file when its {@code Content-Disposition} names a {@code filename} (as RESTEasy decides); other
 * parts (form fields) are skipped.
 */
final class MultipartFiles {

    /** A file part: its field name, its file name (possibly empty) and its bytes. */
    record FilePart(String name, String fileName, byte[] bytes) {
    }

    /** The body is not the multipart form its Content-Type says. */
    static final class MalformedMultipartException extends Exception {
        MalformedMultipartException(String message) {
            super(message);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};
    /** After a delimiter, what makes it the close delimiter. */
    private static final byte[] CLOSE = {'-', '-'};

    private MultipartFiles() {
    }

    /** The file parts of {@code body}, in the order sent. */
    static List<FilePart> parse(String contentType, byte[] body) throws MalformedMultipartException {
        byte[] delimiter = ("--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = concat(CRLF, delimiter);
        // The first delimiter opens the body or follows a preamble's CRLF.
        int at;
        if (startsWith(body, 0, delimiter)) {
            at = delimiter.length;
        } else {
            int found = indexOf(body, nextDelimiter, 0);
            if (found < 0) {
                throw new MalformedMultipartException("the body holds no part delimited by its boundary");
            }
            at = found + nextDelimiter.length;
        }
        List<FilePart> files = new ArrayList<>();
        while (true) {
            if (startsWith(body, at, CLOSE)) {
                return files; // the close delimiter; an epilogue after it is ignored
            }
            at = skipTransportPadding(body, at);
            if (!startsWith(body, at, CRLF)) {
                throw new MalformedMultipartException("a boundary line is not followed by a line break");
            }
            int headersStart = at + CRLF.length;
            int headersEnd = startsWith(body, headersStart, CRLF) ? headersStart
                    : indexOf(body, HEADERS_END, headersStart);
            if (headersEnd < 0) {
                throw new MalformedMultipartException("a part's headers do not end");
            }
            int contentStart = headersEnd == headersStart ? headersStart + CRLF.length
                    : headersEnd + HEADERS_END.length;
            int contentEnd = indexOf(body, nextDelimiter, contentStart);
            if (contentEnd < 0) {
                throw new MalformedMultipartException("the body ends inside a part (no closing boundary)");
            }
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            String disposition = header(headers, "content-disposition");
            String fileName = disposition == null ? null : parameter(disposition, "filename");
            if (fileName != null) {
                String name = parameter(disposition, "name");
                files.add(new FilePart(name == null ? "" : name, fileName,
                        Arrays.copyOfRange(body, contentStart, contentEnd)));
            }
            at = contentEnd + nextDelimiter.length;
        }
    }

    /** The boundary parameter of a multipart Content-Type, unquoted. */
    static String boundary(String contentType) throws MalformedMultipartException {
        String boundary = contentType == null ? null : parameter(contentType, "boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
            throw new MalformedMultipartException("the Content-Type names no boundary of 1 to 70 characters: "
                    + contentType);
        }
        return boundary;
    }

    /** A header's value from CRLF-separated header lines, by lower-case name; null when absent. */
    private static String header(String headers, String name) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /**
     * A parameter of a header value ({@code type; a=b; c="d"}) by name, case-insensitive, unquoted; null when
     * absent. Quoted values may hold semicolons and backslash-escaped characters.
     */
    static String parameter(String value, String name) {
        int at = value.indexOf(';');
        while (at >= 0 && at < value.length()) {
            at++;
            while (at < value.length() && value.charAt(at) == ' ') {
                at++;
            }
            int equals = value.indexOf('=', at);
            if (equals < 0) {
                return null;
            }
            String key = value.substring(at, equals).trim().toLowerCase(Locale.ROOT);
            StringBuilder parsed = new StringBuilder();
            at = equals + 1;
            if (at < value.length() && value.charAt(at) == '"') {
                at++;
                while (at < value.length() && value.charAt(at) != '"') {
                    char c = value.charAt(at++);
                    if (c == '\\' && at < value.length()) {
                        c = value.charAt(at++);
                    }
                    parsed.append(c);
                }
                at = value.indexOf(';', at);
            } else {
                int end = value.indexOf(';', at);
                parsed.append(value, at, end < 0 ? value.length() : end);
                at = end;
            }
            if (key.equals(name)) {
                return parsed.toString().trim();
            }
        }
        return null;
    }

    private static int skipTransportPadding(byte[] body, int at) {
        while (at < body.length && (body[at] == ' ' || body[at] == '\t')) {
            at++;
        }
        return at;
    }

    private static boolean startsWith(byte[] body, int at, byte[] prefix) {
        return at >= 0 && at + prefix.length <= body.length
                && Arrays.equals(body, at, at + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] body, byte[] pattern, int from) {
        byte first = pattern[0];
        for (int i = Math.max(from, 0), last = body.length - pattern.length; i <= last; i++) {
            if (body[i] == first && startsWith(body, i, pattern)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
