package dev.kiln.contracts.datasets;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What validating a data set version found: every image decoded (its size read from the header first). A
 * version is {@code READY} when {@link #rejection} is null. Lists of paths are capped at
 * {@value #LISTED} entries; the counts beside them are complete. JSON: contracts/README.md.
 *
 * @param format               {@code image-folder}, {@code idx} or {@code cifar-binary}
 * @param classes              class names, index = label (train's class folders, sorted)
 * @param splits               per split present ({@code train}, {@code val}, {@code test}): readable images, per class
 * @param imbalance            the largest train class's images over the smallest's (1 is balanced)
 * @param sizes                images per original size, {@code WxH}, the most common first (at most 20)
 * @param colourModes          images per colour mode: {@code grey}, {@code rgb}, {@code rgba}, {@code palette}
 * @param channels             channels the version is packed with: 3 if any image has colour, else 1
 * @param storedHeight         the size images are packed at: the most common train size, scaled down to fit the
 *                             limit keeping its aspect
 * @param storedWidth          see storedHeight
 * @param mean                 per channel, of the packed train images scaled to [0, 1]
 * @param std                  per channel, likewise
 * @param unreadable           files that could not be decoded, with why (left out of the packed version)
 * @param unreadableCount      all of them
 * @param duplicates           groups of files with the same pixels
 * @param duplicateGroups      all such groups
 * @param crossSplitDuplicates groups spanning splits: the same picture in train and test inflates test accuracy
 * @param ignoredFiles         files outside {@code <split>/<class>/}, or not PNG or JPEG
 * @param warnings             what a user should look at before training (leaks, imbalance, unreadable files)
 * @param rejection            why the version cannot be trained on; null when it is {@code READY}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationReport(String format, List<String> classes, Map<String, SplitSummary> splits,
        Double imbalance, Map<String, Integer> sizes, Map<String, Integer> colourModes, Integer channels,
        Integer storedHeight, Integer storedWidth, List<Double> mean, List<Double> std, List<FileProblem> unreadable,
        int unreadableCount, List<DuplicateGroup> duplicates, int duplicateGroups, int crossSplitDuplicates,
        int ignoredFiles, List<String> warnings, String rejection) {

    /** Most paths any list of the report names. */
    public static final int LISTED = 100;

    /** A report that refuses the version before any image was read (the archive's structure). */
    public static ValidationReport rejected(String format, String rejection) {
        return new ValidationReport(format, List.of(), Map.of(), null, Map.of(), Map.of(), null, null, null, null,
                null, List.of(), 0, List.of(), 0, 0, 0, List.of(), rejection);
    }

    public boolean ready() {
        return rejection == null;
    }

    /** Readable images in all splits: what the version packs. */
    public int images() {
        return splits.values().stream().mapToInt(SplitSummary::images).sum();
    }

    /** One split's readable images, in all and per class name. */
    public record SplitSummary(int images, Map<String, Integer> perClass) {
    }

    /** A file that could not be used, and why. */
    public record FileProblem(String path, String reason) {
    }

    /** Files whose decoded pixels are identical, and the splits they are in. */
    public record DuplicateGroup(List<String> paths, List<String> splits, boolean crossSplit) {
    }
}
