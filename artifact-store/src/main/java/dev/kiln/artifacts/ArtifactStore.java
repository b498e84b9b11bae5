package dev.kiln.artifacts;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Content-addressed files in an S3 bucket: a blob's key is {@code sha256/<hex digest>}, so the same bytes are
 * stored once, a key never changes meaning, and every read is verified against its name. PostgreSQL keeps only
 * digests and metadata. Streamed uploads are staged under {@code incoming/} first (their digest is known only
 * at the end) and filed under their digest by {@link #commit}.
 *
 * <p>Failures come as {@link ArtifactStoreException}s: {@code Unavailable} (unreachable, a server error: worth
 * retrying), {@code NotFound}, {@code Corrupt}, {@code TooLarge}.
 */
public final class ArtifactStore implements AutoCloseable {

    static final String BLOBS = "sha256/";
    static final String INCOMING = "incoming/";
    /** Parts of a streamed upload: the most an upload holds in memory (S3's minimum part is 5 MiB). */
    static final int PART_BYTES = 8 * 1024 * 1024;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final S3Client s3;
    private final String bucket;
    private final boolean createBucket;
    private volatile boolean bucketChecked;

    private ArtifactStore(S3Client s3, String bucket, boolean createBucket) {
        this.s3 = s3;
        this.bucket = bucket;
        this.createBucket = createBucket;
    }

    public static ArtifactStore connect(ArtifactEndpoint endpoint) {
        AwsCredentialsProvider credentials = endpoint.accessKey().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(endpoint.accessKey().get(),
                        endpoint.secretKey().orElse("")))
                : AnonymousCredentialsProvider.create();
        S3Client client = S3Client.builder()
                .endpointOverride(endpoint.endpoint())
                .region(Region.of(endpoint.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(endpoint.pathStyle())
                // Blobs are verified by their SHA-256 on every read; the SDK's own CRC checksums are not
                // understood by every S3-compatible server.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                .build();
        return new ArtifactStore(client, endpoint.bucket(), endpoint.createBucket());
    }

    /** The SHA-256 of {@code content}, lower-case hex: the name it is stored under. */
    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(newDigest().digest(content));
    }

    /** The SHA-256 of a local file, read as a stream: what {@link #stage} would name it. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public String bucket() {
        return bucket;
    }

    /** Stores {@code content} under its digest (a no-op when that blob exists whole). */
    public Blob put(byte[] content) {
        String digest = sha256(content);
        call("storing blob " + digest, () -> {
            ensureBucket();
            if (!existsWhole(digest, content.length)) {
                s3.putObject(b -> b.bucket(bucket).key(BLOBS + digest).contentLength((long) content.length),
                        RequestBody.fromBytes(content));
            }
            return null;
        });
        return new Blob(digest, content.length);
    }

    /**
     * Streams {@code in} to a staging key in parts of {@value #PART_BYTES} bytes, hashing it on the way; never
     * holds more than one part. Past {@code maxBytes} (or on any failure) the partial upload is removed and
     * {@link ArtifactStoreException.TooLarge} (or the failure) is thrown.
     */
    public StagedUpload stage(InputStream in, long maxBytes) throws IOException {
        String key = INCOMING + UUID.randomUUID();
        MessageDigest digest = newDigest();
        String uploadId = call("starting an upload", () -> {
            ensureBucket();
            return s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        });
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] buffer = new byte[PART_BYTES];
            long total = 0;
            for (int part = 1;; part++) {
                int n = in.readNBytes(buffer, 0, PART_BYTES);
                total += n;
                if (total > maxBytes) {
                    throw new ArtifactStoreException.TooLarge(maxBytes);
                }
                if (n == 0 && part > 1) {
                    break;
                }
                digest.update(buffer, 0, n);
                int number = part;
                RequestBody body = RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, n), n);
                String etag = call("uploading part " + part, () -> s3.uploadPart(b -> b.bucket(bucket).key(key)
                        .uploadId(uploadId).partNumber(number).contentLength((long) n), body).eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                if (n < PART_BYTES) {
                    break;
                }
            }
            call("completing an upload", () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key)
                    .uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
            completed = true;
            return new StagedUpload(key, new Blob(HexFormat.of().formatHex(digest.digest()), total));
        } finally {
            if (!completed) {
                abortQuietly(key, uploadId);
            }
        }
    }

    /**
     * Files a staged upload under its digest (kept as it is when that blob exists) and removes the staging
     * key. Server-side: nothing passes through this process.
     */
    public Blob commit(StagedUpload staged) {
        String digest = staged.blob().sha256();
        call("filing upload " + staged.key() + " as " + digest, () -> {
            if (!existsWhole(digest, staged.blob().sizeBytes())) {
                s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(staged.key())
                        .destinationBucket(bucket).destinationKey(BLOBS + digest));
            }
            return null;
        });
        discard(staged);
        return staged.blob();
    }

    /** Reads a staged upload back as it was stored (not verified: its digest is what staging computed). */
    public InputStream openStaged(StagedUpload staged) {
        return call("reading upload " + staged.key(), () -> s3.getObject(b -> b.bucket(bucket).key(staged.key())));
    }

    /** Removes a staged upload (a no-op when it is gone). */
    public void discard(StagedUpload staged) {
        deleteKey(staged.key());
    }

    /** The whole blob, verified against its digest. */
    public byte[] read(String sha256) {
        requireDigest(sha256);
        byte[] content = call("reading blob " + sha256, () -> {
            try (ResponseInputStream<GetObjectResponse> in = get(sha256)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw SdkClientException.create("reading blob " + sha256 + " broke off", e);
            }
        });
        String actual = sha256(content);
        if (!actual.equals(sha256)) {
            throw new ArtifactStoreException.Corrupt(sha256, actual);
        }
        return content;
    }

    /** Writes the blob to {@code target} (replaced atomically, only once the content is verified). */
    public void download(String sha256, Path target) throws IOException {
        requireDigest(sha256);
        Path partial = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            String actual = call("downloading blob " + sha256, () -> {
                MessageDigest digest = newDigest();
                try (InputStream in = new DigestInputStream(get(sha256), digest);
                        OutputStream out = Files.newOutputStream(partial)) {
                    in.transferTo(out);
                } catch (IOException e) {
                    throw SdkClientException.create("downloading blob " + sha256 + " broke off", e);
                }
                return HexFormat.of().formatHex(digest.digest());
            });
            if (!actual.equals(sha256)) {
                throw new ArtifactStoreException.Corrupt(sha256, actual);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    public boolean exists(String sha256) {
        requireDigest(sha256);
        return head(BLOBS + sha256) != null;
    }

    /**
     * Whether the blob is there with its full size: a server killed while writing it may have left a shorter one,
     * which the next writer then replaces instead of trusting its name.
     */
    private boolean existsWhole(String sha256, long size) {
        HeadObjectResponse head = head(BLOBS + sha256);
        return head != null && head.contentLength() != null && head.contentLength() == size;
    }

    /** When the blob was last written, or null when there is none. */
    public Instant lastModified(String sha256) {
        requireDigest(sha256);
        HeadObjectResponse head = head(BLOBS + sha256);
        return head == null ? null : head.lastModified();
    }

    /** Deletes a blob (a no-op when it is gone). */
    public void delete(String sha256) {
        requireDigest(sha256);
        deleteKey(BLOBS + sha256);
    }

    /** Every blob, with its digest as {@link StoredBlob#key()}. */
    public List<StoredBlob> blobs() {
        return list(BLOBS);
    }

    /** Every staged upload not yet committed or discarded (a process stopped in between leaves them). */
    public List<StoredBlob> staged() {
        return list(INCOMING);
    }

    /**
     * Aborts the multipart uploads started before {@code cutoff} and never completed (a process killed mid-upload
     * leaves its parts, which no listing of objects shows); answers how many.
     */
    public int abortUploadsStartedBefore(Instant cutoff) {
        return call("aborting abandoned uploads", () -> {
            ensureBucket();
            int aborted = 0;
            for (var upload : s3.listMultipartUploads(b -> b.bucket(bucket).prefix(INCOMING)).uploads()) {
                if (upload.initiated() != null && upload.initiated().isBefore(cutoff)) {
                    abortQuietly(upload.key(), upload.uploadId());
                    aborted++;
                }
            }
            return aborted;
        });
    }

    /** Deletes a staged upload left behind, by the key {@link #staged()} listed. */
    public void deleteStaged(String key) {
        if (!key.startsWith(INCOMING)) {
            throw new IllegalArgumentException("not a staged upload: " + key);
        }
        deleteKey(key);
    }

    @Override
    public void close() {
        s3.close();
    }

    private List<StoredBlob> list(String prefix) {
        return call("listing " + prefix, () -> {
            ensureBucket();
            List<StoredBlob> found = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                String key = prefix.equals(BLOBS) ? object.key().substring(BLOBS.length()) : object.key();
                found.add(new StoredBlob(key, object.size(), object.lastModified()));
            }
            return found;
        });
    }

    private ResponseInputStream<GetObjectResponse> get(String sha256) {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(BLOBS + sha256));
        } catch (NoSuchKeyException e) {
            throw new ArtifactStoreException.NotFound(sha256);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new ArtifactStoreException.NotFound(sha256);
            }
            throw e;
        }
    }

    private HeadObjectResponse head(String key) {
        return call("looking up " + key, () -> {
            ensureBucket();
            try {
                return s3.headObject(b -> b.bucket(bucket).key(key));
            } catch (NoSuchKeyException e) {
                return null;
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return null;
                }
                throw e;
            }
        });
    }

    private void deleteKey(String key) {
        call("deleting " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException e) {
            // Left for the sweep, which deletes staged uploads nobody committed.
        }
    }

    /** Creates the bucket on first use when it is missing (and this store may). */
    private void ensureBucket() {
        if (bucketChecked) {
            return;
        }
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            if (!createBucket) {
                throw new ArtifactStoreException("bucket '" + bucket + "' does not exist (and"
                        + " kiln.artifacts.create-bucket is off)", e);
            }
            try {
                s3.createBucket(b -> b.bucket(bucket));
            } catch (S3Exception raced) {
                if (raced.statusCode() != 409) {
                    throw raced;
                }
            }
        }
        bucketChecked = true;
    }

    /** Runs one S3 call, translating the SDK's failures into {@link ArtifactStoreException}s. */
    private <T> T call(String what, Supplier<T> work) {
        try {
            return work.get();
        } catch (SdkClientException e) {
            throw new ArtifactStoreException.Unavailable(what + ": the artifact store is unreachable ("
                    + e.getMessage() + ")", e);
        } catch (S3Exception e) {
            if (e.statusCode() >= 500 || e.statusCode() == 429) {
                throw new ArtifactStoreException.Unavailable(what + ": the artifact store answered "
                        + e.statusCode(), e);
            }
            throw new ArtifactStoreException(what + " failed: " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new ArtifactStoreException.Unavailable(what + ": " + e.getMessage(), e);
        }
    }

    private static void requireDigest(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a SHA-256 digest: " + sha256);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
