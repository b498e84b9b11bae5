package dev.kiln.imagedata;

import static dev.kiln.imagedata.Archives.colourPng;
import static dev.kiln.imagedata.Archives.entries;
import static dev.kiln.imagedata.Archives.greyPng;
import static dev.kiln.imagedata.Archives.gzip;
import static dev.kiln.imagedata.Archives.tar;
import static dev.kiln.imagedata.Archives.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.kiln.imagedata.archives.ArchiveEntries;
import dev.kiln.imagedata.archives.ArchiveLimits;
import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.images.ImageDecoder;
import dev.kiln.imagedata.images.UnreadableImageException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the bytes users send: PNG and JPEG images and zip, tar and tar.gz archives, mutated (bytes
 * flipped, cut short, garbage inserted, a PNG header claiming other sizes). Every input must end as an image within the
 * limits or as the documented refusal, never another exception; a header claiming more than the limits is
 * refused before any pixel is decoded. {@code -Dkiln.fuzz.inputs=N -Dkiln.fuzz.seed=S} (./kiln fuzz) run longer;
 * a failure prints the seed and the input.
 */
class InputFuzzTest {

    private static final int INPUTS = Integer.getInteger("kiln.fuzz.inputs", 1500);
    private static final long SEED = Long.getLong("kiln.fuzz.seed", 20261202L);
    private static final ImageDecoder.Limits LIMITS = new ImageDecoder.Limits(4096, 4096L * 4096);

    @Test
    void mutatedImagesDecodeWithinTheLimitsOrAreRefused() throws Exception {
        List<byte[]> seeds = List.of(greyPng(28, 200, 1), colourPng(32, 2), jpeg());
        Random random = new Random(SEED);
        int decoded = 0;
        for (int i = 0; i < INPUTS; i++) {
            byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                BufferedImage image = ImageDecoder.decode(input, LIMITS);
                assertThat(image.getWidth()).isBetween(1, 4096);
                assertThat(image.getHeight()).isBetween(1, 4096);
                decoded++;
            } catch (UnreadableImageException e) {
                assertThat(e.getMessage()).as(described(i, input)).doesNotContain("java.");
            } catch (RuntimeException e) {
                fail(described(i, input) + " threw " + e, e);
            }
        }
        assertThat(decoded).as("inputs that still decoded").isPositive();
    }

    @Test
    void mutatedArchivesAreReadOrRefused() throws Exception {
        var files = entries("train/a/1.png", greyPng(8, 10, 1), "train/b/1.png", greyPng(8, 90, 2),
                "test/a/1.png", greyPng(8, 30, 3));
        // Every layout an upload may have: a tar.gz mutated inside its compression too (the tar's bytes, gzipped).
        List<byte[]> seeds = List.of(zip(files), tar(files), gzip(tar(files)));
        Random random = new Random(SEED);
        for (int i = 0; i < INPUTS; i++) {
            int layout = random.nextInt(seeds.size() + 1);
            byte[] input = layout < seeds.size() ? mutate(seeds.get(layout), random)
                    : gzip(mutate(tar(files), random));
            try {
                ArchiveEntries.forEach(new ByteArrayInputStream(input), ArchiveLimits.defaults(),
                        (path, content) -> content.readAllBytes());
            } catch (ArchiveRejectedException e) {
                assertThat(e.getMessage()).as(described(i, input)).doesNotContain("java.");
            } catch (IOException | RuntimeException e) {
                fail(described(i, input) + " threw " + e, e);
            }
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = seed.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 2 -> {
                int at = random.nextInt(bytes.length);
                byte[] garbage = new byte[1 + random.nextInt(64)];
                random.nextBytes(garbage);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(bytes, 0, at);
                out.writeBytes(garbage);
                out.write(bytes, at, bytes.length - at);
                bytes = out.toByteArray();
            }
            case 3 -> {
                // A PNG's header claiming another size, its CRC recomputed so that decoders believe it.
                if (bytes.length > 33 && bytes[1] == 'P') {
                    ByteBuffer header = ByteBuffer.wrap(bytes);
                    header.putInt(16, claimedSide(random)).putInt(20, claimedSide(random));
                    CRC32 crc = new CRC32();
                    crc.update(bytes, 12, 17);
                    header.putInt(29, (int) crc.getValue());
                }
            }
            default -> {
                byte[] noise = new byte[random.nextInt(256)];
                random.nextBytes(noise);
                bytes = noise;
            }
        }
        return bytes;
    }

    private static int claimedSide(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(64);
            case 1 -> 4096 + random.nextInt(100_000);
            case 2 -> Integer.MAX_VALUE - random.nextInt(10);
            default -> -random.nextInt(1000);
        };
    }

    private static String described(int i, byte[] input) {
        return "input " + i + " (seed " + SEED + ", " + input.length + " bytes: "
                + HexFormat.of().formatHex(Arrays.copyOf(input, Math.min(input.length, 64))) + "...)";
    }

    private static byte[] jpeg() throws IOException {
        BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 4, 0xff8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", out);
        return out.toByteArray();
    }
}
