package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void helpPrintsUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("Usage: ./kiln data [NAME...]").contains("--download");
    }

    @Test
    void badArgumentsPrintUsageAndOneErrorLine() {
        assertThat(run("--frm", "/x")).isEqualTo(1);
        assertThat(err()).contains("Usage:").endsWith("error: unknown option --frm (see usage above)\n");
    }

    @Test
    void cifarWithoutSourceFailsWithAHint() {
        assertThat(run("cifar10", "--dir", dir.toString())).isEqualTo(1);
        assertThat(err()).startsWith("error: cifar10: cifar10 has no copy on this machine")
                .contains("--from DIR").contains("--download").doesNotContain("Exception").hasLineCount(1);
    }

    @Test
    void cifarFromAFolderWithoutBatchesFails() {
        assertThat(run("cifar10", "--dir", dir.toString(), "--from", dir.resolve("nowhere").toString())).isEqualTo(1);
        assertThat(err()).contains("is not a folder").hasLineCount(1);
    }

    @Test
    void listsAnEmptyDataDirectory() {
        assertThat(run("--list", "--dir", dir.toString())).isZero();
        assertThat(out()).isEqualTo("""
                fashion-mnist: not installed (run ./kiln data fashion-mnist)
                mnist-sample: not installed (run ./kiln data mnist-sample)
                mnist: not installed (run ./kiln data mnist)
                cifar10: not installed (run ./kiln data cifar10 --from DIR (or --download))
                """);
    }

    @Test
    void listShowsFilesOfAnInstalledDataSet() throws Exception {
        Path source = CifarFixture.write(dir.resolve("source"));
        Path data = dir.resolve("data");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        new Installer(data, quiet).install(new Cifar10(source, false, new CifarBatches(CifarFixture.RECORDS),
                new Commands(quiet), quiet));

        assertThat(run("cifar10", "--list", "--dir", data.toString())).isZero();
        assertThat(out()).startsWith("cifar10: installed in " + data.resolve("cifar10") + ", checksums verified\n")
                .containsPattern("data_batch_1.bin +36,876 bytes  ok\n")
                .containsPattern("batches.meta.txt +\\d+ bytes  ok\n");
    }

    private int run(String... args) {
        return DatasetsCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
