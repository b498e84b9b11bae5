package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Installs data sets into DIR/NAME. Each is built in a scratch folder inside DIR, verified, given its
 * SHA256SUMS and only then renamed into place, so an interrupted install never looks installed.
 */
final class Installer {

    private final Path dataDir;
    private final PrintStream log;

    Installer(Path dataDir, PrintStream log) {
        this.dataDir = dataDir;
        this.log = log;
    }

    Path folder(Dataset dataset) {
        return dataDir.resolve(dataset.name());
    }

    Checksums.Verification verify(Dataset dataset) throws IOException {
        return Checksums.verify(folder(dataset), dataset.files());
    }

    void install(Dataset dataset) throws IOException, DatasetException {
        Path target = folder(dataset);
        if (verify(dataset).ok()) {
            log.println(dataset.name() + ": already installed (verified)");
            return;
        }
        if (Files.exists(target)) {
            log.println(dataset.name() + ": " + target + " is incomplete or its checksums do not verify; reinstalling");
        }
        Files.createDirectories(dataDir);
        Path work = Files.createTempDirectory(dataDir, "." + dataset.name() + "-");
        try {
            Path staging = Files.createDirectory(work.resolve(dataset.name()));
            dataset.install(staging, work);
            Checksums.write(staging, dataset.files());
            deleteRecursively(target);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteRecursively(work);
        }
        log.println(dataset.name() + ": installed in " + target + " (" + dataset.files().size() + " files, "
                + Checksums.SUMS_FILE + " written)");
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path each : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }
}
