package dev.kiln.vision.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A data set that {@code kiln data} can install into DIR/{@link #name()}. */
interface Dataset {

    String name();

    /** The data files, in the order SHA256SUMS lists them. */
    List<String> files();

    /** The command that installs it, for hints. */
    default String installCommand() {
        return "./kiln data " + name();
    }

    /**
     * Puts the verified data files into the empty folder target.
     *
     * @param work a scratch folder on the same file system, deleted afterwards
     */
    void install(Path target, Path work) throws IOException, DatasetException;
}
