package dev.kiln.imagedata.archives;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads a zip, tar or tar.gz archive as a stream (the format told by its first bytes), entry by entry, and
 * refuses what could harm the reader: paths that leave the archive (absolute, {@code ..}), links, special
 * files, encrypted entries, and bombs (too many entries, too many bytes unpacked, too high a ratio of unpacked
 * to packed bytes, a file too big). Every byte is counted as it is unpacked, whatever the headers claim.
 */
public final class ArchiveEntries {

    /** What an archive's first bytes say it is. */
    public enum Format {
        ZIP, TAR, TAR_GZ
    }

    /** Receives each regular file; it may read {@code content} or not (the rest is skipped and counted). */
    @FunctionalInterface
    public interface Visitor {
        void file(String path, InputStream content) throws IOException, ArchiveRejectedException;

        /** A folder entry (archives list empty folders only this way). */
        default void folder(String path) {
        }
    }

    private ArchiveEntries() {
    }

    /**
     * Reads every entry of {@code archive}, calling {@code visitor} for each regular file with its normalised
     * path ({@code a/b/c.png}, forward slashes, no leading {@code ./}), and {@link Visitor#folder} for each
     * folder entry; answers the number of files.
     *
     * @throws ArchiveRejectedException the archive is corrupt, unsafe or past a limit; nothing after the
     *                                  problem was read
     */
    public static int forEach(InputStream archive, ArchiveLimits limits, Visitor visitor)
            throws IOException, ArchiveRejectedException {
        Counting packed = new Counting(new BufferedInputStream(archive, 1 << 16));
        Format format = detect(packed);
        Counting unpacked;
        ArchiveInputStream<?> entries;
        try {
            switch (format) {
                case ZIP -> {
                    unpacked = null;
                    entries = new ZipArchiveInputStream(packed, "UTF-8", true, true);
                }
                case TAR_GZ -> {
                    unpacked = new Counting(new GzipCompressorInputStream(packed, true));
                    entries = new TarArchiveInputStream(unpacked);
                }
                default -> {
                    unpacked = packed;
                    entries = new TarArchiveInputStream(packed);
                }
            }
        } catch (IOException e) {
            throw new ArchiveRejectedException("corrupt archive: " + e.getMessage(), e);
        }
        int files = 0;
        int seen = 0;
        long total = 0;
        while (true) {
            ArchiveEntry entry;
            try {
                entry = entries.getNextEntry();
            } catch (IOException e) {
                throw new ArchiveRejectedException("corrupt archive after " + seen + " entries: " + e.getMessage(), e);
            }
            if (entry == null) {
                break;
            }
            if (++seen > limits.maxEntries()) {
                throw new ArchiveRejectedException("the archive has more than " + limits.maxEntries() + " entries");
            }
            String path = safePath(entry.getName());
            checkType(entry, path);
            if (entry.isDirectory()) {
                visitor.folder(path);
                continue;
            }
            if (!entries.canReadEntryData(entry)) {
                throw new ArchiveRejectedException(path + ": cannot be read (encrypted, or compressed with an"
                        + " unsupported method)");
            }
            Bounded content = new Bounded(entries, path, limits.maxEntryBytes());
            try {
                visitor.file(path, content);
                content.skipRest();
            } catch (ArchiveRejectedException e) {
                throw e;
            } catch (IOException e) {
                if (content.failure != null) {
                    throw content.failure;
                }
                throw new ArchiveRejectedException("corrupt archive at " + path + ": " + e.getMessage(), e);
            }
            files++;
            total += content.read;
            long unpackedSoFar = unpacked == null ? total : Math.max(total, unpacked.count);
            if (unpackedSoFar > limits.maxUnpackedBytes()) {
                throw new ArchiveRejectedException("the archive unpacks to more than " + limits.maxUnpackedBytes()
                        + " bytes");
            }
            if (unpackedSoFar > ArchiveLimits.RATIO_FLOOR_BYTES
                    && unpackedSoFar > limits.maxRatio() * Math.max(1, packed.count)) {
                throw new ArchiveRejectedException(String.format(Locale.ROOT, "the archive unpacks to %.0f times its"
                        + " size (%d bytes from %d by %s): refused as an archive bomb (limit %.0fx)",
                        (double) unpackedSoFar / Math.max(1, packed.count), unpackedSoFar, packed.count, path,
                        limits.maxRatio()));
            }
        }
        return files;
    }

    /** The format told by the first bytes (zip's local header, gzip's magic, else tar, checked by its reader). */
    static Format detect(InputStream in) throws IOException, ArchiveRejectedException {
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        if (head.length < 4) {
            throw new ArchiveRejectedException("not an archive: the upload has only " + head.length + " bytes");
        }
        if (head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5)) {
            return Format.ZIP;
        }
        if ((head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Format.TAR_GZ;
        }
        return Format.TAR;
    }

    /** The entry's path, normalised; refused when it could leave the folder the archive is unpacked into. */
    static String safePath(String name) throws ArchiveRejectedException {
        String path = name.replace('\\', '/');
        if (path.startsWith("/") || path.matches("^[A-Za-z]:.*")) {
            throw new ArchiveRejectedException(name + ": absolute path in the archive");
        }
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw new ArchiveRejectedException(name + ": path leaves the archive ('..')");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            throw new ArchiveRejectedException("an entry with an empty path ('" + name + "')");
        }
        return String.join("/", parts);
    }

    private static void checkType(ArchiveEntry entry, String path) throws ArchiveRejectedException {
        if (entry instanceof TarArchiveEntry tar) {
            if (tar.isSymbolicLink() || tar.isLink()) {
                throw new ArchiveRejectedException(path + ": links are not allowed in the archive (to "
                        + tar.getLinkName() + ")");
            }
            if (!tar.isDirectory() && !tar.isFile()) {
                throw new ArchiveRejectedException(path + ": not a regular file or folder (a device, a fifo...)");
            }
        } else if (entry instanceof ZipArchiveEntry zip && zip.isUnixSymlink()) {
            throw new ArchiveRejectedException(path + ": links are not allowed in the archive");
        }
    }

    /** Counts the bytes read through it. */
    private static final class Counting extends FilterInputStream {
        long count;
        private long mark;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }

        @Override
        public synchronized void mark(int limit) {
            super.mark(limit);
            mark = count;
        }

        @Override
        public synchronized void reset() throws IOException {
            super.reset();
            count = mark;
        }
    }

    /** One entry's content, cut off (with a rejection) past the per-file limit; closing it does not close the archive. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private final String path;
        private final long limit;
        long read;
        ArchiveRejectedException failure;

        Bounded(InputStream in, String path, long limit) {
            this.in = in;
            this.path = path;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                read += n;
                if (read > limit) {
                    failure = new ArchiveRejectedException(path + ": larger than the limit of " + limit
                            + " bytes for one file");
                    throw new IOException(failure.getMessage());
                }
            }
            return n;
        }

        void skipRest() throws IOException {
            byte[] buffer = new byte[1 << 16];
            while (read(buffer, 0, buffer.length) >= 0) {
                // counted and bounded by read
            }
        }

        @Override
        public void close() {
            // the archive stream stays open for the next entry
        }
    }
}
