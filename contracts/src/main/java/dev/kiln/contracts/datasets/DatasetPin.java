package dev.kiln.contracts.datasets;

import dev.kiln.contracts.runs.Catalog;

/**
 * The registered data set version a run trains on, fixed by the gateway when the run is submitted (a spec
 * naming {@code flowers} trains on the latest READY version at that moment, for good): the version, the digest
 * of its packed form (the trainer fetches it by that digest and checks it), and its shape as validated.
 *
 * @param version      {@code <name>@<version>}, e.g. {@code flowers@3}
 * @param packedSha256 the packed version's SHA-256: its key in the artifact store
 * @param trainSize    images to train and validate on (train and val)
 * @param testSize     images held out for the test evaluation
 */
public record DatasetPin(String version, String packedSha256, int channels, int height, int width, int classes,
        int trainSize, int testSize) {

    /**
     * The pin of a READY version from its validation report. Without a {@code test/} split a fixed fifth of the
     * images is held out for testing (as the trainer does), so the sizes say what a run will see.
     */
    public static DatasetPin of(String version, String packedSha256, ValidationReport report) {
        int train = images(report, "train") + images(report, "val");
        int test = images(report, "test");
        if (test == 0) {
            test = train / 5;
            train -= test;
        }
        return new DatasetPin(version, packedSha256, report.channels(), report.storedHeight(), report.storedWidth(),
                report.classes().size(), train, test);
    }

    private static int images(ValidationReport report, String split) {
        ValidationReport.SplitSummary summary = report.splits().get(split);
        return summary == null ? 0 : summary.images();
    }

    /** The data set's name, without the version. */
    public String dataset() {
        return version.substring(0, version.lastIndexOf('@'));
    }

    /**
     * The version as the spec validator sees a data set. Its normalisation default is its own statistics, but a
     * built-in data set keeps the preset its tutorials use (so {@code fashion-mnist} trains as it always has).
     */
    public Catalog.DatasetInfo info() {
        String normalization = Catalog.DATASETS.contains(dataset()) ? Catalog.dataset(dataset()).normalization()
                : "dataset";
        return new Catalog.DatasetInfo(version, channels, height, width, classes, trainSize, testSize, normalization);
    }
}
