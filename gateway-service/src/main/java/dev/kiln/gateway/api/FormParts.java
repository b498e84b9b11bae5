package dev.kiln.gateway.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

/**
 * The parts of a multipart form, whether a client sent them as files ({@code curl -F manifest=@m.json}) or as
 * fields ({@code -F 'manifest=<m.json'}): both are common, and the endpoint should not care which.
 */
public final class FormParts {

    private FormParts() {
    }

    /** The part's bytes, or null when the form has no such part. */
    public static byte[] bytes(MultipartFormDataInput form, String name) {
        Collection<FormValue> values = form.getValues().get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        FormValue value = values.iterator().next();
        if (!value.isFileItem()) {
            return value.getValue().getBytes(StandardCharsets.UTF_8);
        }
        try (InputStream in = value.getFileItem().getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the uploaded part '" + name + "' cannot be read", e);
        }
    }

    /** The part as UTF-8 text, or null when the form has no such part. */
    public static String text(MultipartFormDataInput form, String name) {
        byte[] bytes = bytes(form, name);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
