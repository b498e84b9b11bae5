package dev.kiln.imagedata.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.imagedata.validation.DatasetValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The installed MNIST sample as the archive a user would upload, read with the real files. */
class CatalogArchiveTest {

    private static final Path DATA = Path.of("../.kiln/data");

    @TempDir
    Path tmp;

    @Test
    void theSampleBecomesATrainSplitWithItsDigitsAndValidates() throws IOException {
        Path archive = CatalogArchive.of("mnist-sample").writeTo(DATA, tmp.resolve("sample.tar"));

        assertThat(entries(archive)).containsExactly("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "classes.txt");
        ValidationReport report = DatasetValidator.validate(archive, tmp.resolve("packed"),
                DatasetValidator.Settings.defaults(), images -> { }).report();
        assertThat(report.ready()).as(report.rejection()).isTrue();
        assertThat(report.classes()).isEqualTo(CatalogArchive.DIGITS);
        assertThat(report.splits()).containsOnlyKeys("train");
        assertThat(report.splits().get("train").images()).isEqualTo(10_000);
    }

    @Test
    void theSameFilesGiveTheSameBytesWhoeverWritesThemAndWhen() throws Exception {
        String first = sha256(CatalogArchive.of("mnist-sample").writeTo(DATA, tmp.resolve("a.tar")));
        String user = System.getProperty("user.name");
        System.setProperty("user.name", "another-worker");
        try {
            Thread.sleep(1100);
            String second = sha256(CatalogArchive.of("mnist-sample").writeTo(DATA, tmp.resolve("b.tar")));
            assertThat(second).isEqualTo(first);
        } finally {
            System.setProperty("user.name", user);
        }
    }

    @Test
    void aSetNotInstalledIsNamedWithItsInstallCommand() {
        assertThat(CatalogArchive.installed(tmp)).isEmpty();
        assertThat(CatalogArchive.installed(DATA)).extracting(CatalogArchive::dataset)
                .contains("fashion-mnist", "mnist-sample");
        assertThatThrownBy(() -> CatalogArchive.of("fashion-mnist").writeTo(tmp, tmp.resolve("x.tar")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("run ./kiln data fashion-mnist");
        assertThatThrownBy(() -> CatalogArchive.of("imagenet")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown data set 'imagenet'");
    }

    private static List<String> entries(Path tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                names.add(entry.getName());
            }
        }
        return names;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
