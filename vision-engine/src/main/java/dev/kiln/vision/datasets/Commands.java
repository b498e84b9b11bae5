package dev.kiln.vision.datasets;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Runs the external tools the installers use (apt-get, dpkg, npm, tar) and echoes each command line. */
final class Commands {

    private static final int TAIL_LINES = 15;

    private final PrintStream log;

    Commands(PrintStream log) {
        this.log = log;
    }

    /** Exit code and combined stdout/stderr of a finished command. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    Result run(Path dir, String... command) throws IOException {
        log.println("    $ " + String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // No tool may stop to ask a question: nobody answers on stdin.
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            return new Result(process.waitFor(), output);
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + command[0]);
        }
    }

    /** Runs a command that must succeed; on failure shows its last output lines, then fails with the hint. */
    void require(Path dir, String hint, String... command) throws IOException, DatasetException {
        Result result = run(dir, command);
        if (!result.ok()) {
            showTail(result);
            throw new DatasetException(command[0] + " " + command[1] + " failed (exit " + result.exitCode() + "): " + hint);
        }
    }

    void showTail(Result result) {
        List<String> lines = result.output().lines().toList();
        lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()).forEach(line -> log.println("      " + line));
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    static boolean isRoot() {
        return new UnixSystem().getUid() == 0;
    }
}
