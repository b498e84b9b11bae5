package dev.kiln.vision.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * apt-get as the installers use it. A fresh machine (or container) often has no package lists yet,
 * so when apt-get cannot locate a package and we are root, it runs {@code apt-get update} once and retries.
 */
final class Apt {

    private final Commands commands;
    private boolean listsUpdated;

    Apt(Commands commands) {
        this.commands = commands;
    }

    static boolean available() {
        return Commands.onPath("apt-get");
    }

    Commands.Result run(Path dir, String... arguments) throws IOException, DatasetException {
        String[] command = Stream.concat(Stream.of("apt-get"), Stream.of(arguments)).toArray(String[]::new);
        Commands.Result result = commands.run(dir, command);
        if (packageUnknown(result) && Commands.isRoot() && !listsUpdated) {
            listsUpdated = true;
            commands.require(dir, "check the network and /etc/apt/sources.list", "apt-get", "update");
            result = commands.run(dir, command);
        }
        return result;
    }

    static boolean packageUnknown(Commands.Result result) {
        return !result.ok() && result.output().contains("Unable to locate package");
    }
}
