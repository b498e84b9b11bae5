package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture has the npm package's format: 0.json holds two images, 1.json .. 9.json one each.
 * Image pixels: [0] = 0.992, [1] = round(digit * 25 / 255, 3), [783] = 1, and the second 0 has [2] = 0.5.
 */
class MnistJsonTest {

    @TempDir
    Path dir;

    @Test
    void convertsInFileOrderWithLabelsFromTheFileName() throws Exception {
        MnistJson.Converted converted = MnistJson.convert(fixture());

        assertThat(converted.images().dimensions()).containsExactly(11, 28, 28);
        assertThat(converted.labels().dimensions()).containsExactly(11);
        assertThat(converted.labels().data()).containsExactly(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        for (int image = 0; image < 11; image++) {
            int digit = converted.labels().data()[image];
            assertThat(pixel(converted, image, 0)).isEqualTo(253);
            assertThat(pixel(converted, image, 1)).as("digit %d", digit).isEqualTo(digit * 25);
            assertThat(pixel(converted, image, 783)).isEqualTo(255);
        }
        assertThat(pixel(converted, 0, 2)).isZero();
        assertThat(pixel(converted, 1, 2)).as("0.5 * 255 = 127.5 rounds up").isEqualTo(128);
    }

    @Test
    void conversionIsDeterministic() throws Exception {
        MnistJson.Converted first = MnistJson.convert(fixture());
        MnistJson.Converted second = MnistJson.convert(fixture());

        assertThat(Checksums.sha256(first.images())).isEqualTo(Checksums.sha256(second.images()));
        assertThat(Checksums.sha256(first.labels())).isEqualTo(Checksums.sha256(second.labels()));
    }

    @Test
    void rejectsAPartialImage() throws Exception {
        Path digits = copyOfFixture();
        Files.writeString(digits.resolve("4.json"), "{\"data\": [" + String.join(",", Collections.nCopies(785, "0")) + "]}");

        assertThatThrownBy(() -> MnistJson.convert(digits)).isInstanceOf(IOException.class)
                .hasMessageContaining("4.json").hasMessageContaining("785 values is not a whole number");
    }

    @Test
    void rejectsValuesOutsideTheUnitInterval() throws Exception {
        Path digits = copyOfFixture();
        Files.writeString(digits.resolve("7.json"), "{\"data\": [1.5" + ",0".repeat(783) + "]}");

        assertThatThrownBy(() -> MnistJson.convert(digits)).isInstanceOf(IOException.class)
                .hasMessageContaining("7.json").hasMessageContaining("value 0 is 1.5, outside [0, 1]");
    }

    @Test
    void rejectsAnotherLayout() throws Exception {
        Path digits = copyOfFixture();
        Files.writeString(digits.resolve("2.json"), "[[0, 0.5]]");

        assertThatThrownBy(() -> MnistJson.convert(digits)).isInstanceOf(IOException.class)
                .hasMessageContaining("2.json").hasMessageContaining("expected {\"data\": [...]}");
    }

    private static int pixel(MnistJson.Converted converted, int image, int index) {
        return converted.images().data()[image * MnistJson.PIXELS + index] & 0xff;
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(MnistJsonTest.class.getResource("/datasets/mnist-json/0.json").toURI()).getParent();
    }

    private Path copyOfFixture() throws Exception {
        for (int digit = 0; digit < 10; digit++) {
            Files.copy(fixture().resolve(digit + ".json"), dir.resolve(digit + ".json"));
        }
        return dir;
    }
}
