package dev.kiln.imagedata.validation;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.datasets.ValidationReport.DuplicateGroup;
import dev.kiln.contracts.datasets.ValidationReport.FileProblem;
import dev.kiln.contracts.datasets.ValidationReport.SplitSummary;
import dev.kiln.imagedata.archives.ArchiveEntries;
import dev.kiln.imagedata.archives.ArchiveLimits;
import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.archives.ImageFolderLayout;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Validates an uploaded image-folder archive and packs it: every image decoded (its header read and checked
 * first), unreadable files listed by path, class counts and imbalance, sizes and colour modes, per-channel
 * mean and std, duplicates within a split and across splits. Three passes over the archive file: its layout,
 * the headers (which fix the channels and the stored size), then the pixels, packed as they are decoded.
 */
public final class DatasetValidator {

    /** Limits of a validation: the archive's, the images', and the largest stored side. */
    public record Settings(ArchiveLimits archive, ImageDecoder.Limits images, int maxStoredSide) {

        /** Images stored at most 64 pixels a side: the tutorials' networks take 28 to 32. */
        public static Settings defaults() {
            return new Settings(ArchiveLimits.defaults(), ImageDecoder.Limits.defaults(), 64);
        }
    }

    /** The report, and whether {@code packed} was written (only for a version that is ready). */
    public record Outcome(ValidationReport report, PackedImages.Header packed) {
    }

    private static final String FORMAT = "image-folder";
    /** Imbalance above this is worth a warning. */
    private static final double IMBALANCE_WARNING = 3.0;

    private DatasetValidator() {
    }

    /**
     * @param archive  the uploaded archive, on local disk
     * @param packed   where the packed version goes when it is ready
     * @param progress told the number of images decoded so far, every few hundred
     */
    public static Outcome validate(Path archive, Path packed, Settings settings, IntConsumer progress)
            throws IOException {
        ImageFolderLayout layout;
        try {
            ImageFolderLayout.Collector collector = new ImageFolderLayout.Collector();
            forEach(archive, settings, collector);
            layout = collector.layout();
        } catch (ArchiveRejectedException e) {
            return new Outcome(ValidationReport.rejected(FORMAT, e.getMessage()), null);
        }

        // Pass 2: headers only.
        Map<String, FileProblem> unreadable = new LinkedHashMap<>();
        Map<String, Integer> sizes = new HashMap<>();
        Map<String, Integer> trainSizes = new HashMap<>();
        Map<String, Integer> modes = new TreeMap<>();
        try {
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
        } catch (ArchiveRejectedException e) {
            return new Outcome(ValidationReport.rejected(FORMAT, e.getMessage()), null);
        }
        int channels = modes.keySet().stream().anyMatch(m -> ColourMode.valueOf(m.toUpperCase(Locale.ROOT)).colour())
                ? 3 : 1;
        int[] stored = storedSize(trainSizes, settings.maxStoredSide());

        // Pass 3: pixels, packed as they come.
        int imageBytes = channels * stored[0] * stored[1];
        Map<String, Map<String, Integer>> readable = new LinkedHashMap<>();
        Map<String, List<String[]>> byDigest = new HashMap<>();
        double[] sum = new double[channels];
        double[] sumOfSquares = new double[channels];
        long[] trainPixels = {0};
        int[] decoded = {0};
        try (PackedImages.Writer writer = new PackedImages.Writer(packed, layout.classes(), channels, stored[0],
                stored[1], ImageFolderLayout.SPLITS)) {
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
                writer.add(where.split(), where.label(), pixels);
                readable.computeIfAbsent(where.split(), s -> new TreeMap<>())
                        .merge(layout.classes().get(where.label()), 1, Integer::sum);
                byDigest.computeIfAbsent(Rasters.pixelDigest(image), d -> new ArrayList<>())
                        .add(new String[] {path, where.split()});
                if (where.split().equals("train")) {
                    accumulate(pixels, channels, sum, sumOfSquares);
                    trainPixels[0] += stored[0] * stored[1];
                }
                if (++decoded[0] % 500 == 0) {
                    progress.accept(decoded[0]);
                }
            });
            progress.accept(decoded[0]);

            List<String> warnings = new ArrayList<>();
            String rejection = rejection(layout, readable);
            Map<String, SplitSummary> splits = new LinkedHashMap<>();
            readable.forEach((split, perClass) -> splits.put(split,
                    new SplitSummary(perClass.values().stream().mapToInt(Integer::intValue).sum(), perClass)));
            Map<String, Integer> train = readable.getOrDefault("train", Map.of());
            Double imbalance = train.isEmpty() ? null
                    : (double) train.values().stream().mapToInt(Integer::intValue).max().orElse(1)
                            / Math.max(1, train.values().stream().mapToInt(Integer::intValue).min().orElse(1));
            List<DuplicateGroup> groups = duplicates(byDigest);
            int crossSplit = (int) groups.stream().filter(DuplicateGroup::crossSplit).count();
            if (crossSplit > 0) {
                warnings.add(crossSplit + " picture(s) appear in more than one split (listed under duplicates): a"
                        + " test image also in train inflates test accuracy");
            }
            if (!unreadable.isEmpty()) {
                warnings.add(unreadable.size() + " file(s) could not be read and are left out (listed under"
                        + " unreadable)");
            }
            if (imbalance != null && imbalance > IMBALANCE_WARNING) {
                warnings.add(String.format(Locale.ROOT, "the train classes are imbalanced: the largest has %.1f times"
                        + " the images of the smallest", imbalance));
            }
            if (layout.ignored() > 0) {
                warnings.add(layout.ignored() + " file(s) outside <split>/<class>/ or not PNG or JPEG were ignored");
            }
            List<Double> mean = new ArrayList<>();
            List<Double> std = new ArrayList<>();
            for (int c = 0; c < channels && trainPixels[0] > 0; c++) {
                double m = sum[c] / trainPixels[0];
                mean.add(round(m));
                std.add(round(Math.sqrt(Math.max(0, sumOfSquares[c] / trainPixels[0] - m * m))));
            }
            ValidationReport report = new ValidationReport(FORMAT, layout.classes(), splits, imbalance == null ? null
                    : round(imbalance), mostCommon(sizes, 20), modes, channels, stored[0], stored[1], mean, std,
                    unreadable.values().stream().limit(ValidationReport.LISTED).toList(), unreadable.size(),
                    groups.stream().limit(ValidationReport.LISTED).toList(), groups.size(), crossSplit,
                    layout.ignored(), warnings, rejection);
            PackedImages.Header header = rejection == null ? writer.finish() : null;
            return new Outcome(report, header);
        } catch (ArchiveRejectedException e) {
            return new Outcome(ValidationReport.rejected(FORMAT, e.getMessage()), null);
        }
    }

    /** What makes the version untrainable once its images were read: a train class with no readable image. */
    private static String rejection(ImageFolderLayout layout, Map<String, Map<String, Integer>> readable) {
        Map<String, Integer> train = readable.getOrDefault("train", Map.of());
        for (String cls : layout.classes()) {
            if (!train.containsKey(cls)) {
                return "class '" + cls + "' in train/ has no readable image";
            }
        }
        return null;
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

    private static void accumulate(byte[] pixels, int channels, double[] sum, double[] sumOfSquares) {
        int plane = pixels.length / channels;
        for (int c = 0; c < channels; c++) {
            double s = 0;
            double squares = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                double v = (pixels[i] & 0xff) / 255.0;
                s += v;
                squares += v * v;
            }
            sum[c] += s;
            sumOfSquares[c] += squares;
        }
    }

    private static List<DuplicateGroup> duplicates(Map<String, List<String[]>> byDigest) {
        List<DuplicateGroup> groups = new ArrayList<>();
        for (List<String[]> files : byDigest.values()) {
            if (files.size() < 2) {
                continue;
            }
            List<String> paths = files.stream().map(f -> f[0]).sorted().toList();
            List<String> splits = files.stream().map(f -> f[1]).distinct().sorted().toList();
            groups.add(new DuplicateGroup(paths, splits, splits.size() > 1));
        }
        // Leaks first: they are what a reader must see.
        groups.sort(Comparator.comparing(DuplicateGroup::crossSplit).reversed()
                .thenComparing(g -> g.paths().get(0)));
        return groups;
    }

    private static Map<String, Integer> mostCommon(Map<String, Integer> counts, int limit) {
        Map<String, Integer> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(limit).forEach(e -> top.put(e.getKey(), e.getValue()));
        return top;
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    private static void forEach(Path archive, Settings settings, ArchiveEntries.Visitor visitor)
            throws IOException, ArchiveRejectedException {
        try (InputStream in = Files.newInputStream(archive)) {
            ArchiveEntries.forEach(in, settings.archive(), visitor);
        }
    }
}
