package dev.kiln.inference.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.inference.predict.MultipartFiles.FilePart;
import dev.kiln.inference.predict.MultipartFiles.MalformedMultipartException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartFilesTest {

    private static final String TYPE = "multipart/form-data; boundary=XyZ";

    /** Bytes that look like line breaks and delimiters, as PNG data can. */
    private static final byte[] AWKWARD = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', '-', '-', 'X', 'y', '\r', '\n', 0,
            '-', '-', 'X', 'y', 'Z', 'Z'};

    @Test
    void filesInOrderWithBinaryContentFieldsSkipped() throws Exception {
        byte[] body = bytes("preamble to ignore\r\n--XyZ\r\n",
                "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n",
                AWKWARD, "\r\n--XyZ\r\n",
                "content-disposition: form-data; name=\"note\"\r\n\r\nnot a file\r\n--XyZ  \r\n",
                "Content-Disposition: form-data; name=\"image\"; filename=\"b;\\\"c\\\".png\"\r\n\r\n",
                new byte[] {1, 2, 3}, "\r\n--XyZ--\r\nepilogue");
        List<FilePart> files = MultipartFiles.parse(TYPE, body);
        assertEquals(2, files.size());
        assertEquals("a.png", files.get(0).fileName());
        assertEquals("image", files.get(0).name());
        assertArrayEquals(AWKWARD, files.get(0).bytes());
        assertEquals("b;\"c\".png", files.get(1).fileName());
        assertArrayEquals(new byte[] {1, 2, 3}, files.get(1).bytes());
    }

    @Test
    void emptyPartsAndQuotedBoundary() throws Exception {
        byte[] body = bytes("--a b:c\r\nContent-Disposition: form-data; filename=\"\"; name=x\r\n\r\n\r\n--a b:c--");
        List<FilePart> files = MultipartFiles.parse("multipart/form-data; charset=utf-8; BOUNDARY=\"a b:c\"", body);
        assertEquals(1, files.size());
        assertEquals("", files.get(0).fileName());
        assertEquals("x", files.get(0).name());
        assertEquals(0, files.get(0).bytes().length);
        assertEquals(List.of(), MultipartFiles.parse(TYPE, bytes("--XyZ--\r\n")));
    }

    @Test
    void malformedBodiesSayWhat() {
        assertRefused("multipart/form-data", bytes("--XyZ--"), "no boundary");
        assertRefused(TYPE, bytes("no delimiter at all"), "no part");
        assertRefused(TYPE, bytes("--XyZ\r\nContent-Disposition: form-data; filename=a\r\n\r\nabc"),
                "no closing boundary");
        assertRefused(TYPE, bytes("--XyZ\r\nContent-Disposition: form-data; filename=a"), "headers do not end");
        assertRefused(TYPE, bytes("--XyZjunk\r\n\r\n\r\n--XyZ--"), "not followed by a line break");
    }

    private static void assertRefused(String contentType, byte[] body, String why) {
        MalformedMultipartException e = assertThrows(MalformedMultipartException.class,
                () -> MultipartFiles.parse(contentType, body));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    private static byte[] bytes(Object... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object piece : pieces) {
            out.writeBytes(piece instanceof byte[] b ? b : piece.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
