package dev.kiln.vision;

import static org.assertj.core.api.Assertions.fail;

import dev.kiln.vision.pipeline.TrainTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the checkout the tests read: the real data sets and the example specs. */
public final class RepoFiles {

    private RepoFiles() {
    }

    /** The folder holding the kiln launcher. */
    public static Path root() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("kiln"))) {
            root = root.getParent();
        }
        if (root == null) {
            return fail("no folder holding the kiln launcher above " + System.getProperty("user.dir"));
        }
        return root;
    }

    /** .kiln/data, where ./kiln data installs. */
    public static Path dataDir() {
        return root().resolve(".kiln/data");
    }

    /**
     * An installed data set's folder; fails, never skips, when a file is missing: the project's test command
     * installs the data first.
     */
    public static Path installed(String name, String... files) {
        Path dir = dataDir().resolve(name);
        for (String file : files) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                return fail(dir.resolve(file) + " is missing: run ./kiln data " + name);
            }
        }
        return dir;
    }

    /** The real MNIST sample (8,000 training and 2,000 held-out digits), loaded; fails when it is not installed. */
    public static TrainTestData mnistSample() throws IOException {
        installed("mnist-sample", "images-idx3-ubyte.gz", "labels-idx1-ubyte.gz");
        return TrainTestData.load("mnist-sample", dataDir());
    }
}
