package dev.kiln.vision.bench;

import dev.kiln.contracts.runs.Catalog;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A benchmark's command line: {@code --name value} options over defaults, valueless flags, and {@code --help}. A bad
 * value ends the benchmark with exit code 2 and a line naming the option: it is the caller's to fix, and a stack trace
 * would hide which option it was.
 */
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

    /** The option's whole number, at least {@code min}. */
    static int whole(Map<String, String> options, String name, int min) {
        return atLeast(options, name, min, Integer::valueOf, "a whole number");
    }

    /** The {@code --image-size} option's number: a size a training spec takes. */
    static int imageSize(Map<String, String> options) {
        int size = whole(options, "--image-size", Catalog.MIN_IMAGE_SIZE);
        if (size > Catalog.MAX_IMAGE_SIZE) {
            throw fail("--image-size takes a whole number from " + Catalog.MIN_IMAGE_SIZE + " to "
                    + Catalog.MAX_IMAGE_SIZE + ", not '" + size + "'");
        }
        return size;
    }

    /** The option's number, at least {@code min}. */
    static double number(Map<String, String> options, String name, double min) {
        return atLeast(options, name, min, value -> {
            double number = Double.parseDouble(value);
            if (!Double.isFinite(number)) {
                throw new NumberFormatException(value);
            }
            return number;
        }, "a number");
    }

    private static <T extends Comparable<T>> T atLeast(Map<String, String> options, String name, T min,
            Function<String, T> parse, String kind) {
        String value = options.get(name);
        try {
            T number = parse.apply(value);
            if (number.compareTo(min) >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Named below, with what it takes.
        }
        throw fail(name + " takes " + kind + " of at least " + new BigDecimal(min.toString()).stripTrailingZeros()
                .toPlainString() + ", not '" + value + "'");
    }

    /** The {@code --model} option: an architecture of the registry. */
    static String model(Map<String, String> options) {
        String model = options.get("--model");
        if (!Catalog.MODELS.contains(model)) {
            throw fail("--model takes one of " + Catalog.MODELS + ", not '" + model + "'");
        }
        return model;
    }

    /**
     * Prints the error and exits with 2.
     *
     * @return never; declared so that a caller can {@code throw} it where the compiler needs an end
     */
    static IllegalStateException fail(String message) {
        System.err.println("error: " + message);
        System.exit(2);
        return new IllegalStateException(message);
    }
}
