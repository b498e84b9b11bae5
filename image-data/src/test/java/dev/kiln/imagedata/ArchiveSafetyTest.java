package dev.kiln.imagedata;

import static dev.kiln.imagedata.Archives.entries;
import static dev.kiln.imagedata.Archives.greyPng;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.imagedata.archives.ArchiveEntries;
import dev.kiln.imagedata.archives.ArchiveLayout;
import dev.kiln.imagedata.archives.ArchiveLimits;
import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.archives.ImageFolderLayout;
import dev.kiln.imagedata.archives.LayoutCollector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Archives that could harm the reader, or hold no trainable data set, are refused with the problem named. */
class ArchiveSafetyTest {

    private static final byte[] PNG = greyPng(28, 200, 1);

    @Test
    void aWellFormedImageFolderGivesItsLayout() throws Exception {
        byte[] zip = Archives.zip(entries("flowers/", null, "flowers/train/daisy/1.png", PNG,
                "flowers/train/daisy/2.png", PNG, "flowers/train/rose/1.png", PNG, "flowers/test/rose/9.png", PNG,
                "flowers/README.txt", Archives.text("hello"), "flowers/.DS_Store", Archives.text("x")));

        ImageFolderLayout layout = layout(zip);

        assertThat(layout.classes()).containsExactly("daisy", "rose");
        assertThat(layout.counts()).containsOnlyKeys("train", "test");
        assertThat(layout.counts().get("train")).containsExactly(Map.entry("daisy", 2), Map.entry("rose", 1));
        assertThat(layout.images()).isEqualTo(4);
        assertThat(layout.ignored()).isEqualTo(2);
        assertThat(layout.locate("flowers/test/rose/9.png")).isEqualTo(new ImageFolderLayout.Location("test", 1));
        assertThat(layout.locate("flowers/README.txt")).isNull();
    }

    @Test
    void pathsLeavingTheArchiveAndLinksAreRefused() {
        assertRejected(Archives.zip(entries("train/a/1.png", PNG, "../evil.png", PNG)), "../evil.png",
                "leaves the archive");
        assertRejected(Archives.zip(entries("train/a/../../../etc/passwd", PNG)), "leaves the archive");
        assertRejected(Archives.zip(entries("/etc/cron.d/evil", PNG)), "absolute path");
        assertRejected(Archives.tarWithLink(entries("train/a/1.png", PNG, "train/b/1.png", PNG), "train/b/2.png",
                "/etc/shadow"), "train/b/2.png", "links are not allowed");
    }

    @Test
    void anArchiveBombIsRefusedByItsRatioBeforeItIsUnpacked() throws Exception {
        // 400 MB of zeros packs into well under 1 MB: unpacking must stop long before the end.
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(packed)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("train/a/bomb.png"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 400; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        ArchiveLimits limits = new ArchiveLimits(1000, 1L << 40, 100, 1L << 40);
        assertThatThrownBy(() -> ArchiveEntries.forEach(new ByteArrayInputStream(packed.toByteArray()), limits,
                (path, content) -> content.transferTo(java.io.OutputStream.nullOutputStream())))
                .isInstanceOf(ArchiveRejectedException.class).hasMessageContaining("archive bomb")
                .hasMessageContaining("train/a/bomb.png");
        ArchiveLimits small = new ArchiveLimits(1000, 10L << 20, 1e9, 1L << 40);
        assertThatThrownBy(() -> ArchiveEntries.forEach(new ByteArrayInputStream(packed.toByteArray()), small,
                (path, content) -> { }))
                .isInstanceOf(ArchiveRejectedException.class).hasMessageContaining("unpacks to more than");
    }

    @Test
    void tooManyEntriesAndTooLargeAFileAreRefused() {
        ArchiveLimits limits = new ArchiveLimits(3, 1L << 30, 1000, 100);
        byte[] many = Archives.zip(entries("train/a/1.png", new byte[1], "train/a/2.png", new byte[1],
                "train/b/1.png", new byte[1], "train/b/2.png", new byte[1]));
        assertThatThrownBy(() -> ArchiveEntries.forEach(new ByteArrayInputStream(many), limits, (p, c) -> { }))
                .isInstanceOf(ArchiveRejectedException.class).hasMessageContaining("more than 3 entries");
        byte[] large = Archives.zip(entries("train/a/big.png", new byte[1000]));
        assertThatThrownBy(() -> ArchiveEntries.forEach(new ByteArrayInputStream(large), limits, (p, c) -> { }))
                .isInstanceOf(ArchiveRejectedException.class).hasMessageContaining("train/a/big.png")
                .hasMessageContaining("limit of 100 bytes");
    }

    @Test
    void corruptAndTruncatedArchivesAreRefused() {
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        assertRejected(noise, "corrupt archive");
        byte[] zip = Archives.zip(entries("train/a/1.png", PNG, "train/b/1.png", PNG));
        assertRejected(Arrays.copyOf(zip, zip.length / 2), "corrupt archive");
        assertRejected(gzip(noise), "corrupt archive");
        assertRejected(new byte[] {1, 2}, "not an archive");
    }

    @Test
    void aDataSetWithoutTrainOrWithOneOrAnEmptyClassIsRefused() {
        assertRejected(Archives.zip(entries("images/a/1.png", PNG, "images/b/1.png", PNG)), "no train/ folder");
        assertRejected(Archives.zip(entries("train/cats/1.png", PNG, "train/cats/2.png", PNG)),
                "single class ('cats')");
        assertRejected(Archives.zip(entries("train/cats/1.png", PNG, "train/dogs/", null, "train/birds/1.png", PNG)),
                "class 'dogs' in train/ has no images");
        assertRejected(Archives.zip(entries("train/cats/1.png", PNG, "train/dogs/1.png", PNG, "test/birds/1.png", PNG)),
                "test/ has class 'birds', which train/ does not have");
    }

    private static ImageFolderLayout layout(byte[] archive) throws Exception {
        return (ImageFolderLayout) anyLayout(archive);
    }

    private static ArchiveLayout anyLayout(byte[] archive) throws Exception {
        LayoutCollector collector = new LayoutCollector();
        ArchiveEntries.forEach(new ByteArrayInputStream(archive), ArchiveLimits.defaults(), collector);
        return collector.layout();
    }

    private static void assertRejected(byte[] archive, String... fragments) {
        assertThatThrownBy(() -> layout(archive)).isInstanceOf(ArchiveRejectedException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(List.of(fragments)));
    }

    private static byte[] gzip(byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
