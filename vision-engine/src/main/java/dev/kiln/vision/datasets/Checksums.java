package dev.kiln.vision.datasets;

import dev.kiln.imagedata.binary.IdxFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checksums and the SHA256SUMS file of an installed data set. The file uses sha256sum's text format
 * ("HASH  NAME"), so {@code sha256sum -c SHA256SUMS} checks a data set too.
 */
final class Checksums {

    static final String SUMS_FILE = "SHA256SUMS";

    private static final Pattern SUMS_LINE = Pattern.compile("([0-9a-f]{64}) [ *](.+)");
    private static final int BUFFER_SIZE = 1 << 16;

    enum Status {
        OK("ok"),
        MODIFIED("checksum MISMATCH"),
        MISSING("missing"),
        UNLISTED("not in " + SUMS_FILE);

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    /** One expected file: its size (-1 when missing) and whether it matches SHA256SUMS. */
    record FileCheck(String name, long size, Status status) {
    }

    record Verification(List<FileCheck> files) {
        boolean ok() {
            return files.stream().allMatch(file -> file.status() == Status.OK);
        }
    }

    private Checksums() {
    }

    static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256");
    }

    /** SHA-256 of the uncompressed IDX bytes, as {@code zcat FILE | sha256sum} prints it. */
    static String sha256(IdxFile idx) throws IOException {
        MessageDigest digest = newDigest("SHA-256");
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            idx.writeTo(out);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String digest(Path file, String algorithm) throws IOException {
        MessageDigest digest = newDigest(algorithm);
        byte[] buffer = new byte[BUFFER_SIZE];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Writes dir/SHA256SUMS for the named files of dir, in the given order. */
    static void write(Path dir, List<String> names) throws IOException {
        StringBuilder sums = new StringBuilder();
        for (String name : names) {
            sums.append(sha256(dir.resolve(name))).append("  ").append(name).append('\n');
        }
        Files.writeString(dir.resolve(SUMS_FILE), sums, StandardCharsets.UTF_8);
    }

    /** Checks each expected file of dir against dir/SHA256SUMS (all UNLISTED when it is absent). */
    static Verification verify(Path dir, List<String> names) throws IOException {
        Map<String, String> sums = readSums(dir.resolve(SUMS_FILE));
        List<FileCheck> checks = new ArrayList<>();
        for (String name : names) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                checks.add(new FileCheck(name, -1, Status.MISSING));
            } else if (!sums.containsKey(name)) {
                checks.add(new FileCheck(name, Files.size(file), Status.UNLISTED));
            } else {
                Status status = sums.get(name).equals(sha256(file)) ? Status.OK : Status.MODIFIED;
                checks.add(new FileCheck(name, Files.size(file), status));
            }
        }
        return new Verification(List.copyOf(checks));
    }

    /** Unparsable lines are skipped: their files then count as unlisted, which fails verification. */
    private static Map<String, String> readSums(Path sumsFile) throws IOException {
        Map<String, String> sums = new HashMap<>();
        if (!Files.isRegularFile(sumsFile)) {
            return sums;
        }
        for (String line : Files.readAllLines(sumsFile, StandardCharsets.UTF_8)) {
            Matcher matcher = SUMS_LINE.matcher(line);
            if (matcher.matches()) {
                sums.put(matcher.group(2), matcher.group(1));
            }
        }
        return sums;
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }
}
