package dev.kiln.contracts.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON form of every contract record. Readers ignore fields they do not know, so a producer may
 * add optional fields within a major version without breaking older consumers.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Reads a record; throws {@link MalformedMessageException} with the reason when the text does not fit. */
    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(
                    "Not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads what a person wrote (a spec file): unlike {@link #read}, an unknown field is an error, because
     * there it is a typo, not a newer producer.
     */
    public static <T> T readStrict(String json, Class<T> type) {
        try {
            return MAPPER.readerFor(type).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(e.getOriginalMessage(), e);
        }
    }

    /** A record (or any value) as a JSON tree, to edit fields by name. */
    public static JsonNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** Reads a record from a JSON tree, like {@link #read}. */
    public static <T> T fromTree(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(
                    "Not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
