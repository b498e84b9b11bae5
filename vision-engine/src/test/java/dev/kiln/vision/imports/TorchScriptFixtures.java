package dev.kiln.vision.imports;

import static org.assertj.core.api.Assertions.fail;

import dev.kiln.vision.RepoFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The TorchScript fixtures, made by {@code src/test/python/torchscript_fixtures.py} with Debian's python3-torch
 * (which {@code ./kiln test} installs) into target/, once per test JVM. Fails, never skips, without PyTorch.
 */
public final class TorchScriptFixtures {

    private static Path dir;

    private TorchScriptFixtures() {
    }

    public static synchronized Path dir() throws IOException, InterruptedException {
        if (dir == null) {
            Path out = RepoFiles.root().resolve("vision-engine/target/torchscript-fixtures");
            String output = python(out.toString());
            if (output != null) {
                fail("the TorchScript fixtures need Debian's python3-torch (./kiln test installs it): " + output);
            }
            dir = out;
        }
        return dir;
    }

    /**
     * Loads a TorchScript file in PyTorch ({@code torch.jit.load}) and runs the fixtures' batch through it.
     *
     * @return null when it answers the fixtures' logits (to 1e-5), else what the script printed
     */
    public static String checkInPytorch(Path model) throws IOException, InterruptedException {
        return python("--check", model.toString(), dir().toString());
    }

    /** Runs the fixture script; null when it succeeded, else its output. */
    private static String python(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = "/usr/bin/python3";
        command[1] = RepoFiles.root().resolve("vision-engine/src/test/python/torchscript_fixtures.py").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = python.waitFor(120, TimeUnit.SECONDS);
        return done && python.exitValue() == 0 ? null : output;
    }

    public static byte[] read(String file) throws IOException, InterruptedException {
        return Files.readAllBytes(dir().resolve(file));
    }
}
