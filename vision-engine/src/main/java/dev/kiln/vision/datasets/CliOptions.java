package dev.kiln.vision.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The parsed arguments of {@code kiln data}. */
record CliOptions(List<String> names, Path dir, Path from, boolean download, boolean list, boolean help) {

    static final Path DEFAULT_DIR = Path.of(".kiln", "data");
    static final List<String> ALL = List.of(FashionMnist.NAME, MnistSample.NAME, Mnist.NAME, Cifar10.NAME);
    /** CIFAR-10 needs a source the user must name, so plain {@code kiln data} leaves it out. */
    static final List<String> DEFAULT = List.of(FashionMnist.NAME, MnistSample.NAME);

    /** Parses the arguments; a leading "data" (the launcher's subcommand) is skipped. */
    static CliOptions parse(String... args) throws UsageException {
        Set<String> names = new LinkedHashSet<>();
        Path dir = DEFAULT_DIR;
        Path from = null;
        boolean download = false;
        boolean list = false;
        List<String> rest = splitEquals(args);
        if (!rest.isEmpty() && rest.get(0).equals("data")) {
            rest.remove(0);
        }
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            switch (arg) {
                case "-h", "--help" -> {
                    return new CliOptions(List.of(), dir, null, false, false, true);
                }
                case "--list" -> list = true;
                case "--download" -> download = true;
                case "--dir" -> dir = Path.of(value(rest, i++));
                case "--from" -> from = Path.of(value(rest, i++));
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option " + arg);
                    }
                    if (!ALL.contains(arg)) {
                        throw new UsageException("unknown data set '" + arg + "'; choose from " + String.join(", ", ALL));
                    }
                    names.add(arg);
                }
            }
        }
        if (from != null && download) {
            throw new UsageException("give either --from DIR or --download, not both");
        }
        if ((from != null || download) && !names.contains(Cifar10.NAME)) {
            throw new UsageException("--from and --download apply to cifar10 only: ./kiln data cifar10 --from DIR");
        }
        if (list && (from != null || download)) {
            throw new UsageException("--list only reports; run without it to install");
        }
        List<String> selected = !names.isEmpty() ? List.copyOf(names) : list ? ALL : DEFAULT;
        return new CliOptions(selected, dir, from, download, list, false);
    }

    /** "--opt=value" becomes "--opt", "value". */
    private static List<String> splitEquals(String... args) {
        List<String> split = new ArrayList<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                split.add(arg.substring(0, equals));
                split.add(arg.substring(equals + 1));
            } else {
                split.add(arg);
            }
        }
        return split;
    }

    /** The argument after the option at index. */
    private static String value(List<String> args, int index) throws UsageException {
        String option = args.get(index);
        if (index + 1 >= args.size() || args.get(index + 1).isEmpty() || args.get(index + 1).startsWith("-")) {
            throw new UsageException(option + " needs a folder: " + option + " DIR");
        }
        return args.get(index + 1);
    }
}
