package dev.kiln.infra.stack;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Requests as a client builds them: a predict request (one PNG as the body, or several as the files of a multipart
 * form), or any multipart form of files.
 */
final class PngForms {

    private PngForms() {
    }

    /** @param names one file name per image */
    static HttpRequest predict(String url, List<byte[]> pngs, List<String> names) {
        HttpRequest.Builder builder = StackHttp.request(url).timeout(Duration.ofSeconds(30));
        if (pngs.size() == 1) {
            return builder.header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(pngs.get(0))).build();
        }
        String boundary = "kiln-" + UUID.randomUUID();
        return builder.header("Content-Type", contentType(boundary))
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, pngs, names))).build();
    }

    static String contentType(String boundary) {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** A multipart/form-data body with one file part per image. */
    static byte[] multipart(String boundary, List<byte[]> pngs, List<String> names) {
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < pngs.size(); i++) {
            parts.add(new Part("image", names.get(i), "image/png", pngs.get(i)));
        }
        return multipart(boundary, parts);
    }

    /** One file of a multipart form. */
    record Part(String name, String fileName, String contentType, byte[] content) {
    }

    static byte[] multipart(String boundary, List<Part> parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Part part : parts) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name()
                    + "\"; filename=\"" + part.fileName() + "\"\r\nContent-Type: " + part.contentType() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(part.content());
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }
}
