package dev.kiln.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.infra.s3.LocalS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact store against a real S3 server (s3proxy). */
class ArtifactStoreTest {

    private static final String BUCKET = "kiln-test";
    private static LocalS3 s3;
    private static ArtifactStore store;

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(0, null);
        store = ArtifactStore.connect(ArtifactEndpoint.local(s3.endpoint(), BUCKET, LocalS3.ACCESS_KEY,
                LocalS3.SECRET_KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        s3.close();
    }

    @Test
    void aBlobIsStoredUnderItsDigestOnceAndReadBackVerified() {
        byte[] content = bytes(300_000, 1);
        Blob first = store.put(content);
        Blob again = store.put(content.clone());

        assertThat(first.sha256()).isEqualTo(ArtifactStore.sha256(content)).hasSize(64);
        assertThat(first.sizeBytes()).isEqualTo(content.length);
        assertThat(again).isEqualTo(first);
        assertThat(store.read(first.sha256())).isEqualTo(content);
        assertThat(store.blobs()).filteredOn(b -> b.key().equals(first.sha256())).hasSize(1)
                .allSatisfy(b -> assertThat(b.sizeBytes()).isEqualTo(content.length));
        assertThat(store.exists(first.sha256())).isTrue();
        assertThat(store.lastModified(first.sha256())).isNotNull();
    }

    @Test
    void aBlobDamagedInTheStoreIsRefusedOnRead(@TempDir Path dir) throws Exception {
        byte[] content = bytes(10_000, 2);
        Blob blob = store.put(content);
        Path file = s3.dataDir().resolve(BUCKET).resolve("sha256").resolve(blob.sha256());
        byte[] damaged = Files.readAllBytes(file);
        damaged[5000] ^= 1;
        Files.write(file, damaged);

        assertThatThrownBy(() -> store.read(blob.sha256())).isInstanceOf(ArtifactStoreException.Corrupt.class)
                .hasMessageContaining(blob.sha256());
        Path target = dir.resolve("copy");
        assertThatThrownBy(() -> store.download(blob.sha256(), target))
                .isInstanceOf(ArtifactStoreException.Corrupt.class);
        assertThat(target).doesNotExist();
        assertThat(dir).isEmptyDirectory();
        store.delete(blob.sha256());
        assertThat(store.exists(blob.sha256())).isFalse();
    }

    @Test
    void aBlobLeftShortByACrashIsWrittenAgainByTheNextWriter() throws Exception {
        byte[] content = bytes(50_000, 6);
        Blob blob = store.put(content);
        Path file = s3.dataDir().resolve(BUCKET).resolve("sha256").resolve(blob.sha256());
        Files.write(file, Arrays.copyOf(content, 20_000));

        store.put(content);

        assertThat(store.read(blob.sha256())).isEqualTo(content);
    }

    @Test
    void aMissingBlobIsNotFound() {
        String absent = ArtifactStore.sha256(new byte[] {42});
        assertThatThrownBy(() -> store.read(absent)).isInstanceOf(ArtifactStoreException.NotFound.class)
                .hasMessageContaining(absent);
        assertThat(store.lastModified(absent)).isNull();
    }

    @Test
    void aStreamedUploadOfSeveralPartsIsFiledUnderItsDigest(@TempDir Path dir) throws Exception {
        byte[] content = bytes(2 * ArtifactStore.PART_BYTES + 12_345, 3);
        StagedUpload staged = store.stage(new ByteArrayInputStream(content), content.length);

        assertThat(staged.blob()).isEqualTo(new Blob(ArtifactStore.sha256(content), content.length));
        assertThat(store.staged()).extracting(StoredBlob::key).contains(staged.key());
        Blob blob = store.commit(staged);
        assertThat(store.staged()).extracting(StoredBlob::key).doesNotContain(staged.key());
        Path target = dir.resolve("blob");
        store.download(blob.sha256(), target);
        assertThat(Files.readAllBytes(target)).isEqualTo(content);
    }

    @Test
    void anUploadOverItsLimitLeavesNothingBehind() {
        byte[] content = bytes(ArtifactStore.PART_BYTES + 10, 4);
        int stagedBefore = store.staged().size();

        assertThatThrownBy(() -> store.stage(new ByteArrayInputStream(content), ArtifactStore.PART_BYTES))
                .isInstanceOf(ArtifactStoreException.TooLarge.class).hasMessageContaining("limit");
        assertThat(store.staged()).hasSize(stagedBefore);
        assertThat(store.exists(ArtifactStore.sha256(content))).isFalse();
    }

    @Test
    void anUploadCutOffMidwayLeavesNothingBehind() {
        int stagedBefore = store.staged().size();
        InputStream cutOff = new SequenceInputStream(new ByteArrayInputStream(bytes(ArtifactStore.PART_BYTES + 100, 5)),
                new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("connection reset by peer");
                    }
                });

        assertThatThrownBy(() -> store.stage(cutOff, Long.MAX_VALUE)).isInstanceOf(IOException.class)
                .hasMessageContaining("reset");
        assertThat(store.staged()).hasSize(stagedBefore);
    }

    @Test
    void anUploadAbandonedMidwayIsAbortedOnceOld() throws Exception {
        byte[] part = bytes(ArtifactStore.PART_BYTES + 1, 9);
        // A process that dies after its first part: the upload stays open, its parts on the server.
        Thread uploader = new Thread(() -> {
            try {
                store.stage(new SequenceInputStream(new ByteArrayInputStream(part), new InputStream() {
                    @Override
                    public int read() throws IOException {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return -1;
                    }
                }), Long.MAX_VALUE);
            } catch (IOException | RuntimeException e) {
                // interrupted below
            }
        });
        uploader.start();
        Thread.sleep(3000);

        assertThat(store.abortUploadsStartedBefore(Instant.now().minusSeconds(3600))).isZero();
        assertThat(store.abortUploadsStartedBefore(Instant.now().plusSeconds(60))).isEqualTo(1);
        assertThat(store.abortUploadsStartedBefore(Instant.now().plusSeconds(60))).isZero();
        uploader.interrupt();
    }

    @Test
    void aStoppedServerIsReportedUnavailable() throws Exception {
        try (LocalS3 other = LocalS3.start(0, null);
                ArtifactStore unreachable = ArtifactStore.connect(ArtifactEndpoint.local(other.endpoint(), BUCKET,
                        LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY))) {
            other.kill();
            assertThatThrownBy(() -> unreachable.put(new byte[] {1, 2, 3}))
                    .isInstanceOf(ArtifactStoreException.Unavailable.class).hasMessageContaining("unreachable");
        }
    }

    private static byte[] bytes(int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return content;
    }
}
