package dev.kiln.imagedata.archives;

/**
 * What an archive may hold before it is refused as a bomb or as too big: entries, bytes once unpacked, the
 * unpacked-to-packed ratio (checked once past {@link #RATIO_FLOOR_BYTES}, so a small archive of text files is
 * not refused), and bytes of one file.
 */
public record ArchiveLimits(int maxEntries, long maxUnpackedBytes, double maxRatio, long maxEntryBytes) {

    /** Below this many unpacked bytes the ratio is not checked. */
    public static final long RATIO_FLOOR_BYTES = 16L * 1024 * 1024;

    /** 2 million files, 64 GiB unpacked, 200x, 256 MiB per file. Images barely compress; bombs do, by 1000x. */
    public static ArchiveLimits defaults() {
        return new ArchiveLimits(2_000_000, 64L << 30, 200, 256L << 20);
    }
}
