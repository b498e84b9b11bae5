package dev.kiln.imagedata.validation;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.contracts.datasets.ValidationReport.DuplicateGroup;
import dev.kiln.contracts.datasets.ValidationReport.FileProblem;
import dev.kiln.contracts.datasets.ValidationReport.SplitSummary;
import dev.kiln.imagedata.archives.ImageFolderLayout;
import dev.kiln.imagedata.packing.PackedImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a validation learns from the images it keeps, one at a time, whatever their source: counts per split and
 * class, per-channel sums for mean and std (train only), duplicates by pixel digest; each image goes straight
 * into the packed file. {@link #finish} writes the report and, for a version that is ready, the packed file.
 */
final class ValidationSummary implements AutoCloseable {

    /** Imbalance above this is worth a warning. */
    private static final double IMBALANCE_WARNING = 3.0;

    private final String format;
    private final List<String> classes;
    private final int channels;
    private final int height;
    private final int width;
    private final PackedImages.Writer writer;
    private final Map<String, Map<String, Integer>> readable = new LinkedHashMap<>();
    private final Map<String, List<String[]>> byDigest = new HashMap<>();
    private final double[] sum;
    private final double[] sumOfSquares;
    private long trainPixels;
    private int images;

    ValidationSummary(String format, List<String> classes, int channels, int height, int width, Path packed)
            throws IOException {
        this.format = format;
        this.classes = classes;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.writer = new PackedImages.Writer(packed, classes, channels, height, width, ImageFolderLayout.SPLITS);
        this.sum = new double[channels];
        this.sumOfSquares = new double[channels];
    }

    /** One image kept: its split, label, packed pixels, where it came from and its pixel digest. */
    void add(String split, int label, byte[] pixels, String source, String digest) throws IOException {
        writer.add(split, label, pixels);
        readable.computeIfAbsent(split, s -> new TreeMap<>()).merge(classes.get(label), 1, Integer::sum);
        byDigest.computeIfAbsent(digest, d -> new ArrayList<>()).add(new String[] {source, split});
        if (split.equals("train")) {
            accumulate(pixels);
            trainPixels += (long) height * width;
        }
        images++;
    }

    int images() {
        return images;
    }

    /** The report; the packed file is written only when the version is ready. */
    DatasetValidator.Outcome finish(Map<String, Integer> sizes, Map<String, Integer> modes,
            List<FileProblem> unreadable, int ignoredFiles) throws IOException {
        List<String> warnings = new ArrayList<>();
        String rejection = rejection();
        Map<String, SplitSummary> splits = new LinkedHashMap<>();
        readable.forEach((split, perClass) -> splits.put(split,
                new SplitSummary(perClass.values().stream().mapToInt(Integer::intValue).sum(), perClass)));
        Map<String, Integer> train = readable.getOrDefault("train", Map.of());
        Double imbalance = train.isEmpty() ? null
                : (double) train.values().stream().mapToInt(Integer::intValue).max().orElse(1)
                        / Math.max(1, train.values().stream().mapToInt(Integer::intValue).min().orElse(1));
        List<DuplicateGroup> groups = duplicates();
        int crossSplit = (int) groups.stream().filter(DuplicateGroup::crossSplit).count();
        if (crossSplit > 0) {
            warnings.add(crossSplit + " picture(s) appear in more than one split (listed under duplicates): a test"
                    + " image also in train inflates test accuracy");
        }
        if (!unreadable.isEmpty()) {
            warnings.add(unreadable.size() + " file(s) could not be read and are left out (listed under unreadable)");
        }
        if (imbalance != null && imbalance > IMBALANCE_WARNING) {
            warnings.add(String.format(Locale.ROOT, "the train classes are imbalanced: the largest has %.1f times the"
                    + " images of the smallest", imbalance));
        }
        if (ignoredFiles > 0) {
            warnings.add(ignoredFiles + " file(s) outside <split>/<class>/ or not PNG or JPEG were ignored");
        }
        List<Double> mean = new ArrayList<>();
        List<Double> std = new ArrayList<>();
        for (int c = 0; c < channels && trainPixels > 0; c++) {
            double m = sum[c] / trainPixels;
            mean.add(round(m));
            std.add(round(Math.sqrt(Math.max(0, sumOfSquares[c] / trainPixels - m * m))));
        }
        ValidationReport report = new ValidationReport(format, classes, splits, imbalance == null ? null
                : round(imbalance), sizes, modes, channels, height, width, mean, std,
                unreadable.stream().limit(ValidationReport.LISTED).toList(), unreadable.size(),
                groups.stream().limit(ValidationReport.LISTED).toList(), groups.size(), crossSplit, ignoredFiles,
                warnings, rejection);
        return new DatasetValidator.Outcome(report, rejection == null ? writer.finish() : null);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    /** What makes the version untrainable once its images were read: a train class with no image. */
    private String rejection() {
        Map<String, Integer> train = readable.getOrDefault("train", Map.of());
        for (String cls : classes) {
            if (!train.containsKey(cls)) {
                return "class '" + cls + "' in train/ has no readable image";
            }
        }
        return null;
    }

    private void accumulate(byte[] pixels) {
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

    private List<DuplicateGroup> duplicates() {
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
        groups.sort(Comparator.comparing(DuplicateGroup::crossSplit).reversed().thenComparing(g -> g.paths().get(0)));
        return groups;
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
