package dev.kiln.imagedata.validation;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.datasets.ValidationReport.FileProblem;
import dev.kiln.imagedata.archives.ArchiveEntries;
import dev.kiln.imagedata.archives.ArchiveLayout;
import dev.kiln.imagedata.archives.ArchiveLimits;
import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.archives.BinaryLayout;
import dev.kiln.imagedata.archives.ImageFolderLayout;
import dev.kiln.imagedata.archives.LayoutCollector;
import dev.kiln.imagedata.binary.BinarySplits;
import dev.kiln.imagedata.images.ImageDecoder;
import dev.kiln.imagedata.images.ImageDecoder.ColourMode;
import dev.kiln.imagedata.images.ImageDecoder.Header;
import dev.kiln.imagedata.images.Rasters;
import dev.kiln.imagedata.images.UnreadableImageException;
import dev.kiln.imagedata.packing.PackedImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Validates an uploaded archive and packs it. An image folder: every image decoded (its header read and checked
 * first), unreadable files listed by path, sizes and colour modes, in three passes over the archive file (its
 * layout, the headers, which fix the channels and the stored size, then the pixels, packed as they are
 * decoded). IDX files or CIFAR-10 batches: read whole and checked. Either way: class counts and imbalance,
 * per-channel mean and std, and duplicates within a split and across splits ({@link ValidationSummary}).
 */
public final class DatasetValidator {

    /** Limits of a validation: the archive's, the images', and the largest stored side. */
    public record Settings(ArchiveLimits archive, ImageDecoder.Limits images, int maxStoredSide) {

        /** Images stored at most 64 pixels a side: the tutorials' networks take 28 to 32. */
        public static Settings defaults() {
            return new Settings(ArchiveLimits.defaults(), ImageDecoder.Limits.defaults(), 64);
        }
    }

    /** The report, and the packed file's header (null unless the version is ready and was packed). */
    public record Outcome(ValidationReport report, PackedImages.Header packed) {
    }

    private DatasetValidator() {
    }

    /**
     * @param archive  the uploaded archive, on local disk
     * @param packed   where the packed version goes when it is ready
     * @param progress told the number of images decoded so far, every few hundred
     */
    public static Outcome validate(Path archive, Path packed, Settings settings, IntConsumer progress)
            throws IOException {
        ArchiveLayout layout;
        try {
            LayoutCollector collector = new LayoutCollector();
            forEach(archive, settings, collector);
            layout = collector.layout();
        } catch (ArchiveRejectedException e) {
            return new Outcome(ValidationReport.rejected("unknown", e.getMessage()), null);
        }
        try {
            return layout instanceof ImageFolderLayout folder ? imageFolder(archive, packed, folder, settings, progress)
                    : binary(archive, packed, (BinaryLayout) layout, settings);
        } catch (ArchiveRejectedException e) {
            return new Outcome(ValidationReport.rejected(layout.format(), e.getMessage()), null);
        }
    }

    private static Outcome imageFolder(Path archive, Path packed, ImageFolderLayout layout, Settings settings,
            IntConsumer progress) throws IOException, ArchiveRejectedException {
        // Pass 2: headers only.
        Map<String, FileProblem> unreadable = new LinkedHashMap<>();
        Map<String, Integer> sizes = new HashMap<>();
        Map<String, Integer> trainSizes = new HashMap<>();
        Map<String, Integer> modes = new TreeMap<>();
        forEach(archive, settings, (path, content) -> {
            ImageFolderLayout.Location where = layout.locate(path);
            if (where == null) {
                return;
            }
            try {
                Header header = ImageDecoder.header(content.readAllBytes(), settings.images());
                String size = header.width() + "x" + header.height();
                sizes.merge(size, 1, Integer::sum);
                if (where.split().equals("train")) {
                    trainSizes.merge(size, 1, Integer::sum);
                }
                modes.merge(header.mode().label(), 1, Integer::sum);
            } catch (UnreadableImageException e) {
                unreadable.put(path, new FileProblem(path, e.getMessage()));
            }
        });
        int channels = modes.keySet().stream().anyMatch(m -> ColourMode.valueOf(m.toUpperCase(Locale.ROOT)).colour())
                ? 3 : 1;
        int[] stored = storedSize(trainSizes, settings.maxStoredSide());

        // Pass 3: pixels, packed as they come.
        int imageBytes = channels * stored[0] * stored[1];
        int[] decoded = {0};
        try (ValidationSummary summary = new ValidationSummary(layout.format(), layout.classes(), channels, stored[0],
                stored[1], packed)) {
            forEach(archive, settings, (path, content) -> {
                ImageFolderLayout.Location where = layout.locate(path);
                if (where == null || unreadable.containsKey(path)) {
                    return;
                }
                BufferedImage image;
                try {
                    image = ImageDecoder.decode(content.readAllBytes(), settings.images());
                } catch (UnreadableImageException e) {
                    unreadable.put(path, new FileProblem(path, e.getMessage()));
                    return;
                }
                byte[] pixels = new byte[imageBytes];
                Rasters.writeChannelFirst(image, channels, stored[0], stored[1], pixels, 0);
                summary.add(where.split(), where.label(), pixels, path, Rasters.pixelDigest(image));
                if (++decoded[0] % 500 == 0) {
                    progress.accept(decoded[0]);
                }
            });
            progress.accept(decoded[0]);
            return summary.finish(mostCommon(sizes, 20), modes, List.copyOf(unreadable.values()), layout.ignored());
        }
    }

    private static Outcome binary(Path archive, Path packed, BinaryLayout layout, Settings settings)
            throws IOException, ArchiveRejectedException {
        Set<String> wanted = new HashSet<>();
        layout.splitFiles().values().forEach(wanted::addAll);
        if (layout.classNames() != null) {
            wanted.add(layout.classNames());
        }
        Map<String, byte[]> files = new HashMap<>();
        forEach(archive, settings, (path, content) -> {
            if (wanted.contains(path)) {
                files.put(path, content.readAllBytes());
            }
        });
        BinarySplits splits = BinarySplits.read(layout, files, settings.archive().maxEntryBytes());
        try (ValidationSummary summary = new ValidationSummary(layout.format(), splits.classes(), splits.channels(),
                splits.height(), splits.width(), packed)) {
            for (Map.Entry<String, BinarySplits.Split> split : splits.splits().entrySet()) {
                BinarySplits.Split images = split.getValue();
                for (int i = 0; i < images.labels().length; i++) {
                    byte[] pixels = images.image(i, splits.imageBytes());
                    summary.add(split.getKey(), images.labels()[i], pixels, images.source() + "#" + i,
                            Rasters.bytesDigest(pixels));
                }
            }
            String colour = splits.channels() == 3 ? "rgb" : "grey";
            return summary.finish(Map.of(splits.width() + "x" + splits.height(), summary.images()),
                    Map.of(colour, summary.images()), List.of(), 0);
        }
    }

    /** The most common train size, scaled down (aspect kept) so that neither side exceeds the limit. */
    static int[] storedSize(Map<String, Integer> trainSizes, int maxSide) {
        String common = trainSizes.entrySet().stream()
                .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey(
                        Comparator.reverseOrder())))
                .map(Map.Entry::getKey).orElse(maxSide + "x" + maxSide);
        String[] parts = common.split("x");
        int width = Integer.parseInt(parts[0]);
        int height = Integer.parseInt(parts[1]);
        double scale = Math.min(1.0, (double) maxSide / Math.max(width, height));
        return new int[] {Math.max(1, (int) Math.round(height * scale)), Math.max(1, (int) Math.round(width * scale))};
    }

    private static Map<String, Integer> mostCommon(Map<String, Integer> counts, int limit) {
        Map<String, Integer> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(limit).forEach(e -> top.put(e.getKey(), e.getValue()));
        return top;
    }

    private static void forEach(Path archive, Settings settings, ArchiveEntries.Visitor visitor)
            throws IOException, ArchiveRejectedException {
        try (InputStream in = Files.newInputStream(archive)) {
            ArchiveEntries.forEach(in, settings.archive(), visitor);
        }
    }
}
