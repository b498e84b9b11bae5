package dev.kiln.infra.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real S3 server without Docker: s3proxy with its filesystem backend, run as a child JVM (its jar bundles
 * Jetty and jclouds, which must not meet the services' classpath). The jar comes from the local Maven
 * repository ({@code kiln.s3proxy.jar}, set by the build; local-infra's build downloads it).
 */
public final class LocalS3 implements AutoCloseable {

    /** The credentials of every local S3 server (the local stack's and the tests'). */
    public static final String ACCESS_KEY = "kiln";
    public static final String SECRET_KEY = "kiln-secret";

    private final Path dataDir;
    private final boolean temporary;
    private final int port;
    private final Path conf;
    private final Path log;
    private volatile Process process;

    private LocalS3(Path dataDir, boolean temporary, int port, Path conf, Path log) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.port = port;
        this.conf = conf;
        this.log = log;
    }

    /**
     * Prints the s3proxy configuration the launcher runs the local stack's server with.
     * Usage: {@code LocalS3 configuration <port> <dataDir>}.
     */
    public static void main(String[] args) {
        if (args.length != 3 || !args[0].equals("configuration")) {
            System.err.println("usage: LocalS3 configuration <port> <dataDir>");
            System.exit(2);
        }
        System.out.print(configuration(Integer.parseInt(args[1]), Path.of(args[2])));
    }

    /** Starts a server on {@code port} (0: a free one) keeping objects in {@code dataDir} (null: a temporary one). */
    public static LocalS3 start(int port, Path dataDir) throws IOException, InterruptedException {
        boolean temporary = dataDir == null;
        Path data = temporary ? Files.createTempDirectory("kiln-s3-") : dataDir;
        Files.createDirectories(data);
        int chosen = port == 0 ? freePort() : port;
        Path conf = data.resolveSibling(data.getFileName() + ".properties");
        Files.writeString(conf, configuration(chosen, data));
        LocalS3 s3 = new LocalS3(data, temporary, chosen, conf, data.resolveSibling(data.getFileName() + ".log"));
        s3.launch();
        return s3;
    }

    /** Starts the server again after {@link #kill()}, on the same port with the same objects. */
    public void restart() throws IOException, InterruptedException {
        kill();
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of(javaBinary(), "-Xmx256m", "-jar", jar().toString(),
                "--properties", conf.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitListening();
    }

    /** The s3proxy configuration: path-style S3 on {@code port}, signed requests, objects as files. */
    public static String configuration(int port, Path dataDir) {
        return "s3proxy.endpoint=http://127.0.0.1:" + port + "\n"
                + "s3proxy.authorization=aws-v2-or-v4\n"
                + "s3proxy.identity=" + ACCESS_KEY + "\n"
                + "s3proxy.credential=" + SECRET_KEY + "\n"
                + "jclouds.provider=filesystem-nio2\n"
                + "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath() + "\n";
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Where the objects are: {@code <dataDir>/<bucket>/<key>}. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the server the hard way (a crash); the objects stay in the data directory. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            kill();
        }
        if (temporary) {
            try (Stream<Path> files = Files.walk(dataDir.getParent())) {
                files.filter(p -> p.getFileName().toString().startsWith(dataDir.getFileName().toString()))
                        .sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy exited while starting: " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IOException("s3proxy did not listen on port " + port + " within 60 s; see " + log);
    }

    private static Path jar() {
        String configured = System.getProperty("kiln.s3proxy.jar");
        Path jar = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "gaul", "s3proxy", "4.1.0",
                        "s3proxy-4.1.0-jar-with-dependencies.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("s3proxy not found at " + jar + ": build local-infra first (mvn -pl"
                    + " local-infra package downloads it)");
        }
        return jar;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
