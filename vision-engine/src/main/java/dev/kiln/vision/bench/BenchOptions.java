package dev.kiln.vision.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A benchmark's command line: {@code --name value} options over defaults, valueless flags, and {@code --help}. */
final class BenchOptions {

    private BenchOptions() {
    }

    /**
     * @param flags options without a value, set to {@code "true"} when given
     * @return the options, or empty after printing the usage for {@code --help}; exits with 2 on a bad option
     */
    static Optional<Map<String, String>> parse(String[] args, String usage, Map<String, String> defaults,
            Set<String> flags) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.print(usage);
                return Optional.empty();
            } else if (flags.contains(args[i])) {
                options.put(args[i], "true");
            } else if (defaults.containsKey(args[i]) && i + 1 < args.length) {
                options.put(args[i], args[++i]);
            } else {
                System.err.print(usage);
                System.err.println("error: unknown or incomplete option " + args[i]);
                System.exit(2);
            }
        }
        return Optional.of(options);
    }
}
