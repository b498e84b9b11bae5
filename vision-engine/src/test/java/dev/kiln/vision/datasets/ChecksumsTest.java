package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.imagedata.binary.IdxFile;
import dev.kiln.vision.datasets.Checksums.FileCheck;
import dev.kiln.vision.datasets.Checksums.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksumsTest {

    private static final String SHA256_OF_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path dir;

    @BeforeEach
    void writeFiles() throws Exception {
        Files.writeString(dir.resolve("a.bin"), "abc");
        Files.writeString(dir.resolve("b.bin"), "second file");
    }

    @Test
    void writesSha256sumFormat() throws Exception {
        Checksums.write(dir, List.of("a.bin", "b.bin"));

        List<String> lines = Files.readAllLines(dir.resolve("SHA256SUMS"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo(SHA256_OF_ABC + "  a.bin");
        assertThat(lines.get(1)).matches("[0-9a-f]{64}  b\\.bin");
    }

    @Test
    void verifiesUntouchedFiles() throws Exception {
        Checksums.write(dir, List.of("a.bin", "b.bin"));

        Checksums.Verification verification = Checksums.verify(dir, List.of("a.bin", "b.bin"));

        assertThat(verification.ok()).isTrue();
        assertThat(verification.files()).containsExactly(new FileCheck("a.bin", 3, Status.OK),
                new FileCheck("b.bin", 11, Status.OK));
    }

    @Test
    void detectsAModifiedFile() throws Exception {
        Checksums.write(dir, List.of("a.bin", "b.bin"));
        Files.writeString(dir.resolve("b.bin"), "second filE");

        Checksums.Verification verification = Checksums.verify(dir, List.of("a.bin", "b.bin"));

        assertThat(verification.ok()).isFalse();
        assertThat(verification.files()).extracting(FileCheck::status).containsExactly(Status.OK, Status.MODIFIED);
    }

    @Test
    void detectsMissingAndUnlistedFiles() throws Exception {
        Checksums.write(dir, List.of("a.bin"));
        Files.delete(dir.resolve("a.bin"));

        Checksums.Verification verification = Checksums.verify(dir, List.of("a.bin", "b.bin"));

        assertThat(verification.ok()).isFalse();
        assertThat(verification.files()).containsExactly(new FileCheck("a.bin", -1, Status.MISSING),
                new FileCheck("b.bin", 11, Status.UNLISTED));
    }

    @Test
    void withoutSumsFileNothingVerifies() throws Exception {
        assertThat(Checksums.verify(dir, List.of("a.bin")).ok()).isFalse();
    }

    @Test
    void hashesIdxContentUncompressed() throws Exception {
        IdxFile idx = new IdxFile(new int[] {3}, new byte[] {1, 2, 3});
        Path gz = dir.resolve("labels.gz");
        Path raw = dir.resolve("labels");
        idx.write(gz);
        idx.write(raw);

        assertThat(Checksums.sha256(idx)).isEqualTo(Checksums.sha256(raw)).isNotEqualTo(Checksums.sha256(gz));
    }
}
