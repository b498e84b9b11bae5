package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of 10 clothing classes, 28x28 grey,
 * copied from the Debian package dataset-fashion-mnist (installed, or downloaded and unpacked with dpkg).
 */
final class FashionMnist implements Dataset {

    static final String NAME = "fashion-mnist";
    static final String PACKAGE = "dataset-fashion-mnist";
    /** Where the Debian package installs the files. */
    static final Path SYSTEM_COPY = Path.of("/usr/share/datasets/fashion-mnist");

    /** Content pins taken from dataset-fashion-mnist 0.0~git20200523.55506a9-1 (Debian 12). */
    static final List<PinnedIdx> FILES = List.of(
            new PinnedIdx("train-images-idx3-ubyte.gz", new int[] {60_000, 28, 28},
                    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            new PinnedIdx("train-labels-idx1-ubyte.gz", new int[] {60_000},
                    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            new PinnedIdx("t10k-images-idx3-ubyte.gz", new int[] {10_000, 28, 28},
                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            new PinnedIdx("t10k-labels-idx1-ubyte.gz", new int[] {10_000},
                    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"));

    private final Commands commands;
    private final Apt apt;
    private final PrintStream log;

    FashionMnist(Commands commands, Apt apt, PrintStream log) {
        this.commands = commands;
        this.apt = apt;
        this.log = log;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> files() {
        return FILES.stream().map(PinnedIdx::fileName).toList();
    }

    @Override
    public void install(Path target, Path work) throws IOException, DatasetException {
        Path source = hasAllFiles(SYSTEM_COPY) ? SYSTEM_COPY : unpackPackage(work);
        log.println(NAME + ": copying " + FILES.size() + " files from " + source + " and checking them");
        for (PinnedIdx file : FILES) {
            Files.copy(source.resolve(file.fileName()), target.resolve(file.fileName()));
            file.verify(target);
        }
    }

    private boolean hasAllFiles(Path dir) {
        return files().stream().allMatch(file -> Files.isRegularFile(dir.resolve(file)));
    }

    /** Downloads the .deb and unpacks it without installing it, which needs no root. */
    private Path unpackPackage(Path work) throws IOException, DatasetException {
        if (!Apt.available() || !Commands.onPath("dpkg")) {
            throw new DatasetException("apt-get and dpkg are needed to fetch Fashion-MNIST: on a Debian-based system"
                    + " install the package " + PACKAGE + ", or copy its 4 .gz files into " + SYSTEM_COPY);
        }
        log.println(NAME + ": " + SYSTEM_COPY + " not found; fetching the Debian package " + PACKAGE);
        Commands.Result download = apt.run(work, "download", PACKAGE);
        if (!download.ok()) {
            commands.showTail(download);
            throw new DatasetException(Apt.packageUnknown(download)
                    ? "apt-get cannot find the package " + PACKAGE + ": " + (Commands.isRoot()
                            ? "add Debian's main archive to /etc/apt/sources.list, then rerun " + installCommand()
                            : "run 'sudo apt-get update' (or 'sudo apt-get install " + PACKAGE + "'), then rerun "
                                    + installCommand())
                    : "apt-get download " + PACKAGE + " failed (exit " + download.exitCode()
                            + "): check the network and apt sources, then rerun " + installCommand());
        }
        Path deb = findDeb(work);
        commands.require(work, "the downloaded " + deb.getFileName() + " may be corrupt; rerun " + installCommand(),
                "dpkg", "-x", deb.getFileName().toString(), "unpacked");
        Path unpacked = work.resolve("unpacked").resolve(SYSTEM_COPY.getRoot().relativize(SYSTEM_COPY));
        if (!hasAllFiles(unpacked)) {
            throw new DatasetException(deb.getFileName() + " has no " + String.join(", ", files()) + " under "
                    + SYSTEM_COPY + "; its layout changed: copy the 4 Fashion-MNIST .gz files into " + SYSTEM_COPY);
        }
        return unpacked;
    }

    private static Path findDeb(Path work) throws IOException, DatasetException {
        try (DirectoryStream<Path> debs = Files.newDirectoryStream(work, PACKAGE + "_*.deb")) {
            for (Path deb : debs) {
                return deb;
            }
        }
        throw new DatasetException("apt-get download " + PACKAGE + " reported success but wrote no .deb into " + work);
    }
}
