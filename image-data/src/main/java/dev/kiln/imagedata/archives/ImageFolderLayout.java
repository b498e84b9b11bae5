package dev.kiln.imagedata.archives;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The image-folder layout of a data set archive: {@code train/<class>/<image>}, with optional {@code val/} and
 * {@code test/} in the same form, possibly all inside one top folder (which is skipped). Images are PNG or JPEG
 * files; hidden files, macOS's {@code __MACOSX} and files of other types are ignored (and counted). The classes
 * are train's class folders sorted by name; their index is the label.
 */
public final class ImageFolderLayout implements ArchiveLayout {

    /** The splits a layout may have, in the order they are packed. */
    public static final List<String> SPLITS = List.of("train", "val", "test");
    private static final Set<String> IMAGE_EXTENSIONS = Set.of(".png", ".jpg", ".jpeg");

    private final String prefix;
    private final List<String> classes;
    /** split -> class -> images */
    private final Map<String, Map<String, Integer>> counts;
    private final int ignored;

    private ImageFolderLayout(String prefix, List<String> classes, Map<String, Map<String, Integer>> counts,
            int ignored) {
        this.prefix = prefix;
        this.classes = classes;
        this.counts = counts;
        this.ignored = ignored;
    }

    /**
     * The layout of an archive with these file paths (as {@link ArchiveEntries} gives them) and folder paths
     * (which show empty class folders).
     *
     * @throws ArchiveRejectedException no {@code train/}, fewer than two classes, an empty class, or a class in
     *                                  {@code val/} or {@code test/} that {@code train/} lacks
     */
    public static ImageFolderLayout of(List<String> files, List<String> folders) throws ArchiveRejectedException {
        String prefix = commonTopFolder(files);
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        SPLITS.forEach(split -> counts.put(split, new TreeMap<>()));
        int ignored = 0;
        for (String folder : folders) {
            String[] parts = relative(folder, prefix).split("/");
            if (parts.length == 2 && counts.containsKey(parts[0]) && !hidden(parts[1])) {
                counts.get(parts[0]).putIfAbsent(parts[1], 0);
            }
        }
        for (String file : files) {
            String[] parts = relative(file, prefix).split("/");
            if (parts.length == 3 && counts.containsKey(parts[0]) && !hidden(parts[1]) && isImage(parts[2])) {
                counts.get(parts[0]).merge(parts[1], 1, Integer::sum);
            } else {
                ignored++;
            }
        }
        Map<String, Integer> train = counts.get("train");
        if (train.isEmpty()) {
            throw new ArchiveRejectedException("no train/ folder with class folders: expected train/<class>/<image>"
                    + " (PNG or JPEG), with optional val/ and test/ alike" + (prefix.isEmpty() ? "" : " (inside "
                    + prefix + "/)") + ", or IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte) or CIFAR-10"
                    + " batches (data_batch_1.bin...)");
        }
        if (train.size() < 2) {
            throw new ArchiveRejectedException("train/ has a single class ('" + train.keySet().iterator().next()
                    + "'): a classifier needs at least two");
        }
        for (String split : SPLITS) {
            for (Map.Entry<String, Integer> cls : counts.get(split).entrySet()) {
                if (cls.getValue() == 0 && split.equals("train")) {
                    throw new ArchiveRejectedException("class '" + cls.getKey() + "' in train/ has no images (PNG or"
                            + " JPEG): add some or remove the folder");
                }
                if (!train.containsKey(cls.getKey())) {
                    throw new ArchiveRejectedException(split + "/ has class '" + cls.getKey() + "', which train/ does"
                            + " not have");
                }
            }
        }
        counts.values().removeIf(Map::isEmpty);
        return new ImageFolderLayout(prefix, List.copyOf(train.keySet()), counts, ignored);
    }

    @Override
    public String format() {
        return "image-folder";
    }

    @Override
    public String describe() {
        return String.format("image-folder: %d classes, %,d images", classes.size(), images());
    }

    public List<String> classes() {
        return classes;
    }

    /** Images per class, per split present ({@code train} always, {@code val} and {@code test} if given). */
    public Map<String, Map<String, Integer>> counts() {
        return counts;
    }

    /** Files that are not images at {@code <split>/<class>/}, ignored. */
    public int ignored() {
        return ignored;
    }

    public int images() {
        return counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
    }

    /** Where a file belongs: its split and label, or null when the layout ignores it. */
    public Location locate(String path) {
        String[] parts = relative(path, prefix).split("/");
        if (parts.length != 3 || !counts.containsKey(parts[0]) || hidden(parts[1]) || !isImage(parts[2])) {
            return null;
        }
        int label = classes.indexOf(parts[1]);
        return label < 0 ? null : new Location(parts[0], label);
    }

    /** A file's split and label. */
    public record Location(String split, int label) {
    }

    /** The one folder every file is in, when it is not itself a split (archives of a folder often have it). */
    private static String commonTopFolder(List<String> files) {
        Set<String> tops = new TreeSet<>();
        for (String file : files) {
            int slash = file.indexOf('/');
            if (slash < 0) {
                return "";
            }
            String top = file.substring(0, slash);
            if (!hidden(top)) {
                tops.add(top);
            }
        }
        if (tops.size() != 1 || SPLITS.contains(tops.iterator().next())) {
            return "";
        }
        return tops.iterator().next();
    }

    private static String relative(String path, String prefix) {
        return prefix.isEmpty() ? path : path.startsWith(prefix + "/") ? path.substring(prefix.length() + 1) : "";
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.equals("__MACOSX");
    }

    private static boolean isImage(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !hidden(name) && IMAGE_EXTENSIONS.stream().anyMatch(lower::endsWith);
    }
}
