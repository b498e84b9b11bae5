package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * CIFAR-10, binary version: 50,000 training and 10,000 test images, 32x32 colour, 10 classes. No
 * copy is reachable offline, so it comes from a folder the user has ({@code --from}) or, only when
 * asked, from the dataset authors' site ({@code --download}).
 */
final class Cifar10 implements Dataset {

    static final String NAME = "cifar10";
    static final URI ARCHIVE = URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    static final String ARCHIVE_FILE = "cifar-10-binary.tar.gz";
    /** The MD5 the CIFAR-10 page publishes for cifar-10-binary.tar.gz (it publishes no SHA-256). */
    static final String ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

    private final Path from;
    private final boolean download;
    private final CifarBatches batches;
    private final Commands commands;
    private final PrintStream log;

    /** @param from the folder to copy from, or null; download: fetch the archive instead */
    Cifar10(Path from, boolean download, Commands commands, PrintStream log) {
        this(from, download, CifarBatches.OFFICIAL, commands, log);
    }

    Cifar10(Path from, boolean download, CifarBatches batches, Commands commands, PrintStream log) {
        this.from = from;
        this.download = download;
        this.batches = batches;
        this.commands = commands;
        this.log = log;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> files() {
        return CifarBatches.FILES;
    }

    @Override
    public String installCommand() {
        return "./kiln data " + NAME + " --from DIR (or --download)";
    }

    @Override
    public void install(Path target, Path work) throws IOException, DatasetException {
        Path source;
        if (from != null) {
            source = from;
        } else if (download) {
            source = downloadArchive(work);
        } else {
            throw new DatasetException("cifar10 has no copy on this machine: run './kiln data cifar10 --from DIR' with"
                    + " DIR the extracted " + CifarBatches.BATCH_DIR + " folder (or its parent), or './kiln data cifar10"
                    + " --download' to fetch " + ARCHIVE_FILE + " (162 MB) from www.cs.toronto.edu");
        }
        Path batchDir = CifarBatches.locate(source);
        log.println(NAME + ": copying " + files().size() + " files from " + batchDir + " and checking them");
        batches.copy(batchDir, target);
    }

    /** Downloads and unpacks the archive into work, which then holds cifar-10-batches-bin/. */
    private Path downloadArchive(Path work) throws IOException, DatasetException {
        Path archive = work.resolve(ARCHIVE_FILE);
        log.println(NAME + ": downloading " + ARCHIVE + " (162 MB)");
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<Path> response;
        try {
            response = client.send(HttpRequest.newBuilder(ARCHIVE).build(), HttpResponse.BodyHandlers.ofFile(archive));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download interrupted");
        } catch (IOException e) {
            throw new DatasetException("could not download " + ARCHIVE + " (" + describe(e) + "): fetch it on a"
                    + " connected machine, extract it and run './kiln data cifar10 --from DIR'");
        }
        if (response.statusCode() != 200) {
            throw new DatasetException(ARCHIVE + " answered HTTP " + response.statusCode()
                    + ": fetch the binary version by hand, extract it and run './kiln data cifar10 --from DIR'");
        }
        String md5 = Checksums.digest(archive, "MD5");
        if (!md5.equals(ARCHIVE_MD5)) {
            throw new DatasetException("the downloaded " + ARCHIVE_FILE + " has MD5 " + md5 + ", the CIFAR-10 page"
                    + " publishes " + ARCHIVE_MD5 + ": rerun './kiln data cifar10 --download'");
        }
        commands.require(work, ARCHIVE_FILE + " may be corrupt; rerun './kiln data cifar10 --download'",
                "tar", "-xzf", ARCHIVE_FILE);
        return work;
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
