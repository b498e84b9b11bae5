package dev.kiln.infra.stack;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Predict requests as a client builds them: one PNG as the body, or several as the files of a multipart form. */
final class PngForms {

    private PngForms() {
    }

    /** @param names one file name per image */
    static HttpRequest predict(String url, List<byte[]> pngs, List<String> names) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
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
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < pngs.size(); i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
                    + names.get(i) + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(pngs.get(i));
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }
}
