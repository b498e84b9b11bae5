package dev.kiln.contracts.studies;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.runs.Catalog.ModelArg;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.studies.TrialSpecs.FieldKind;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.contracts.validation.Names;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.Set;

/**
 * Checks a {@link StudySpec} before any trial starts and lists every problem with its JSON path: the base spec
 * (through {@link TrainingSpecValidator}), each parameter, the budget, the objective and the pruner, and then
 * the trials themselves: every combination of a grid, and the extremes of a random search, must make a valid
 * training spec, so a study never fails half-way on a trial it could have refused up front.
 */
public final class StudySpecValidator {

    private final List<FieldError> errors = new ArrayList<>();
    private final String prefix;

    private StudySpecValidator(String prefix) {
        this.prefix = prefix;
    }

    /**
     * @param spec the study as received (optional fields may be null)
     * @param path the JSON path of the study in the request; empty when it is the whole body (fields are then
     *             named {@code base.learningRate}, {@code parameters[0].min}...)
     * @return the problems, empty when the study is valid
     */
    public static List<FieldError> validate(StudySpec spec, String path) {
        StudySpecValidator validator = new StudySpecValidator(path);
        if (spec == null) {
            validator.errors.add(new FieldError(path, "is required"));
        } else {
            validator.check(spec);
        }
        return List.copyOf(validator.errors);
    }

    private void check(StudySpec spec) {
        String algorithm = spec.algorithm() == null ? StudySpec.GRID : spec.algorithm();
        boolean algorithmKnown = oneOf("algorithm", algorithm, StudySpec.ALGORITHMS);
        boolean grid = algorithm.equals(StudySpec.GRID);
        boolean parametersValid = checkParameters(spec.parameters(), spec.base(), grid);
        SearchSpace.GridSearch checked = parametersValid && algorithmKnown ? checkedSpace(spec.parameters(), grid) : null;
        List<FieldError> baseErrors = baseErrors(spec.base(), checked);
        errors.addAll(0, baseErrors);
        boolean baseValid = baseErrors.isEmpty();
        boolean gridTooLarge = checkBudget(spec, grid, parametersValid);
        ObjectiveSpec objective = checkObjective(spec.objective());
        // What all trials have in common is only known once the base and the parameters are valid.
        List<ParameterSpec> searched = parametersValid ? spec.parameters() : List.of();
        PrunerSpec pruner = checkPruner(spec.pruner(), baseValid
                ? (int) smallest("epochs", spec.base().epochs(), TrainingSpec.DEFAULT_EPOCHS, searched) : null);
        if (baseValid) {
            checkValidationData(objective, pruner, smallest("validationSplit", spec.base().validationSplit(),
                    TrainingSpec.DEFAULT_VALIDATION_SPLIT, searched));
        }
        Names.check(field("registeredModel"), spec.registeredModel(), errors);
        Names.check(field("experiment"), spec.experiment(), errors);
        // Only a well-formed space over a valid base has trials worth checking; else every trial would repeat
        // the same problem.
        if (baseValid && checked != null && !gridTooLarge) {
            checkTrials(spec.base(), spec.parameters(), checked, grid);
        }
    }

    /**
     * The base's problems that the search does not fix. A base may leave out what every trial gets from a
     * parameter (the step size of a step schedule whose stepSize is searched) or hold a value a parameter
     * replaces: only the problems the first trial still has are the base's; the others are the trials' (and
     * found by {@link #checkTrials}). The model is always the base's to name: the study's defaults come from it.
     */
    private List<FieldError> baseErrors(TrainingSpec base, SearchSpace.GridSearch checked) {
        List<FieldError> all = TrainingSpecValidator.validate(base, field("base"));
        if (base == null || checked == null) {
            return all;
        }
        List<FieldError> remaining = TrainingSpecValidator.validate(TrialSpecs.replace(base, checked.trial(1)), field("base"));
        return all.stream().filter(e -> remaining.contains(e) || e.field().equals(field("base.model"))).toList();
    }

    /**
     * The trials that are checked: a grid's every combination; random search can draw anything between the
     * bounds, so the combinations of each parameter's extremes.
     */
    private static SearchSpace.GridSearch checkedSpace(List<ParameterSpec> parameters, boolean grid) {
        return new SearchSpace.GridSearch(grid ? parameters : parameters.stream()
                .map(p -> new ParameterSpec(p.name(), ParameterSpec.CATEGORICAL, p.corners(), null, null, null, null))
                .toList());
    }

    /** @return whether every parameter is well-formed, so that the space and its trials can be checked */
    private boolean checkParameters(List<ParameterSpec> parameters, TrainingSpec base, boolean grid) {
        if (parameters == null || parameters.isEmpty()) {
            errors.add(error("parameters", "at least one parameter to search is required"));
            return false;
        }
        int before = errors.size();
        List<String> models = trialModels(parameters, base);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < parameters.size(); i++) {
            String path = "parameters[" + i + "]";
            ParameterSpec parameter = parameters.get(i);
            if (parameter == null) {
                errors.add(error(path, "is required"));
                continue;
            }
            FieldKind kind = null;
            if (parameter.name() == null || parameter.name().isBlank()) {
                errors.add(error(path + ".name", "is required: the JSON path of a training spec field, e.g. learningRate"));
            } else if (seen.putIfAbsent(parameter.name(), i) != null) {
                errors.add(error(path + ".name", "'" + parameter.name() + "' is searched twice: parameters["
                        + seen.get(parameter.name()) + "] searches it too"));
            } else {
                kind = kind(path + ".name", parameter.name(), models, base);
            }
            if (parameter.type() == null) {
                errors.add(error(path + ".type", "is required; one of " + ParameterSpec.TYPES));
            } else if (oneOf(path + ".type", parameter.type(), ParameterSpec.TYPES)) {
                if (parameter.type().equals(ParameterSpec.CATEGORICAL)) {
                    checkCategorical(path, parameter, kind);
                } else {
                    checkRange(path, parameter, kind, grid);
                }
            }
        }
        return errors.size() == before;
    }

    /** The models trials can have: the values of a searched {@code model}, else the base's; the known ones only. */
    private static List<String> trialModels(List<ParameterSpec> parameters, TrainingSpec base) {
        List<Object> searched = parameters.stream()
                .filter(p -> p != null && "model".equals(p.name()) && ParameterSpec.CATEGORICAL.equals(p.type())
                        && p.values() != null)
                .findFirst().map(ParameterSpec::values).orElse(null);
        List<Object> models = searched != null ? searched : base == null || base.model() == null
                || base.model().isDeclarative() ? List.of() : List.of(base.model().name());
        return models.stream().filter(m -> m instanceof String name && Catalog.MODELS.contains(name))
                .map(String.class::cast).toList();
    }

    /** What the named field holds, or null (with an error) when it cannot be searched. */
    private FieldKind kind(String path, String name, List<String> models, TrainingSpec base) {
        if (TrialSpecs.FIELDS.containsKey(name)) {
            return TrialSpecs.FIELDS.get(name);
        }
        Matcher layerField = TrialSpecs.LAYER_FIELD.matcher(name);
        if (layerField.matches()) {
            if (base == null || base.model() == null || !base.model().isDeclarative()) {
                errors.add(error(path, "'" + name + "' searches a layer of a declarative model, but the base's model"
                        + " is not one"));
                return null;
            }
            if (TrialSpecs.layer(Json.toTree(base), layerField.group(1)) == null) {
                errors.add(error(path, "'" + name + "' names no layer of the base's model"));
                return null;
            }
            return TrialSpecs.LAYER_FIELDS.get(layerField.group(2));
        }
        if (!name.startsWith(TrialSpecs.MODEL_ARGS)) {
            errors.add(error(path, "'" + name + "' is not a searchable field; one of " + TrialSpecs.FIELDS.keySet()
                    + ", modelArgs.<argument of the model> or model.layers[i].<field> of a declarative model"));
            return null;
        }
        String arg = name.substring(TrialSpecs.MODEL_ARGS.length());
        boolean integer = true;
        for (String model : models) {
            Map<String, ModelArg> args = Catalog.model(model).args();
            ModelArg info = args.get(arg);
            if (info == null) {
                errors.add(error(path, "'" + arg + "' is not an argument of " + model
                        + (args.isEmpty() ? ", which takes none" : "; it takes " + args.keySet())));
                return null;
            }
            integer &= info.integer();
        }
        return integer ? FieldKind.WHOLE : FieldKind.NUMBER;
    }

    private void checkCategorical(String path, ParameterSpec parameter, FieldKind kind) {
        onlyFor(path, "min", parameter.min(), "int and double parameters");
        onlyFor(path, "max", parameter.max(), "int and double parameters");
        onlyFor(path, "log", parameter.log(), "int and double parameters");
        onlyFor(path, "step", parameter.step(), "int and double parameters");
        List<Object> values = parameter.values();
        if (values == null || values.isEmpty()) {
            errors.add(error(path + ".values", "a categorical parameter needs at least one value"));
            return;
        }
        // 48 and 48.0 are the same value to a training spec.
        Map<Object, Integer> seen = new HashMap<>();
        for (int k = 0; k < values.size(); k++) {
            Object value = values.get(k);
            String valuePath = path + ".values[" + k + "]";
            Object key = value instanceof Number n ? (Object) n.doubleValue() : value;
            if (value == null) {
                errors.add(error(valuePath, "must not be null"));
            } else if (seen.putIfAbsent(key, k) != null) {
                errors.add(error(valuePath, "repeats values[" + seen.get(key) + "] (" + value + ")"));
            } else if (kind != null && !fits(kind, value)) {
                errors.add(error(valuePath, parameter.name() + " needs " + describe(kind) + ", got " + value));
            }
        }
    }

    private void checkRange(String path, ParameterSpec parameter, FieldKind kind, boolean grid) {
        boolean isInt = parameter.type().equals(ParameterSpec.INT);
        onlyFor(path, "values", parameter.values(), "categorical parameters");
        if (kind == FieldKind.TEXT || kind == FieldKind.FLAG) {
            errors.add(error(path + ".type", parameter.name() + " holds " + describe(kind)
                    + ": search it with a categorical parameter"));
        } else if (kind == FieldKind.WHOLE && !isInt) {
            errors.add(error(path + ".type", parameter.name() + " holds whole numbers: use an int or a categorical"
                    + " parameter"));
        }
        boolean min = bound(path + ".min", parameter.min(), isInt);
        boolean max = bound(path + ".max", parameter.max(), isInt);
        if (min && max && parameter.min() > parameter.max()) {
            errors.add(error(path + ".max", "must be at least min (" + parameter.min() + "), got " + parameter.max()));
        }
        boolean log = Boolean.TRUE.equals(parameter.log());
        if (log && min && parameter.min() <= 0) {
            errors.add(error(path + ".min", "log-uniform needs min > 0, got " + parameter.min()));
        }
        Double step = parameter.step();
        if (step != null) {
            if (log) {
                errors.add(error(path + ".step", "cannot be combined with log: list the values as a categorical"
                        + " parameter instead"));
            } else if (!(step > 0) || step.isInfinite()) {
                errors.add(error(path + ".step", "must be greater than 0, got " + step));
            } else if (isInt && step != Math.rint(step)) {
                errors.add(error(path + ".step", "must be a whole number for an int parameter, got " + step));
            }
        } else if (grid && !isInt) {
            errors.add(error(path + ".step", "grid search needs values or a step: a double range has no finite"
                    + " values"));
        }
    }

    private boolean bound(String path, Double value, boolean isInt) {
        if (value == null) {
            errors.add(error(path, "is required for an int or double parameter"));
        } else if (value.isNaN() || value.isInfinite()) {
            errors.add(error(path, "must be a finite number, got " + value));
        } else if (isInt && !fits(FieldKind.WHOLE, value)) {
            errors.add(error(path, "must be a whole number within " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE
                    + " for an int parameter, got " + value));
        } else {
            return true;
        }
        return false;
    }

    /** Whether a value can stand in a field of this kind; whole numbers within int range (spec fields are ints). */
    private static boolean fits(FieldKind kind, Object value) {
        return switch (kind) {
            case WHOLE -> value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE;
            case NUMBER -> value instanceof Number;
            case TEXT -> value instanceof String;
            case FLAG -> value instanceof Boolean;
        };
    }

    private static String describe(FieldKind kind) {
        return switch (kind) {
            case WHOLE -> "whole numbers";
            case NUMBER -> "numbers";
            case TEXT -> "strings";
            case FLAG -> "true or false";
        };
    }

    private void onlyFor(String path, String field, Object value, String appliesTo) {
        if (value != null) {
            errors.add(error(path + "." + field, "applies to " + appliesTo + " only"));
        }
    }

    /** @return whether the grid has more combinations than allowed (its trials are then not checked) */
    private boolean checkBudget(StudySpec spec, boolean grid, boolean parametersValid) {
        Integer maxTrials = spec.maxTrials();
        if (maxTrials != null && (maxTrials < 1 || maxTrials > StudySpec.MAX_TRIALS)) {
            errors.add(error("maxTrials", "must be between 1 and " + StudySpec.MAX_TRIALS + ", got " + maxTrials));
            maxTrials = null;
        }
        boolean gridTooLarge = false;
        if (grid && parametersValid) {
            long size = spec.gridSize();
            gridTooLarge = size > StudySpec.MAX_TRIALS;
            if (gridTooLarge) {
                errors.add(error("parameters", "the grid has " + (size == Long.MAX_VALUE ? "too many" : size)
                        + " combinations, more than the " + StudySpec.MAX_TRIALS
                        + " allowed: search fewer values, or use random search"));
            } else if (maxTrials != null && maxTrials > size) {
                errors.add(error("maxTrials", "the grid has " + size + " combinations; maxTrials " + maxTrials
                        + " exceeds it"));
            } else if (maxTrials == null) {
                maxTrials = (int) size;
            }
        } else if (!grid && maxTrials == null) {
            maxTrials = StudySpec.DEFAULT_RANDOM_TRIALS;
        }
        Integer parallel = spec.parallelTrials();
        int limit = maxTrials == null ? StudySpec.MAX_PARALLEL_TRIALS : Math.min(maxTrials, StudySpec.MAX_PARALLEL_TRIALS);
        if (parallel != null && (parallel < 1 || parallel > limit)) {
            errors.add(error("parallelTrials", "must be between 1 and " + limit + " (maxTrials, at most "
                    + StudySpec.MAX_PARALLEL_TRIALS + "), got " + parallel));
        }
        if (spec.maxFailedTrials() != null) {
            atLeast("maxFailedTrials", spec.maxFailedTrials(), 0);
        }
        return gridTooLarge;
    }

    /** @return the objective with its defaults, or null when its metric is unknown */
    private ObjectiveSpec checkObjective(ObjectiveSpec given) {
        ObjectiveSpec objective = (given == null ? new ObjectiveSpec(null, null, null) : given).withDefaults();
        boolean known = oneOf("objective.metric", objective.metric(), ObjectiveSpec.METRICS);
        oneOf("objective.direction", objective.direction(), ObjectiveSpec.DIRECTIONS);
        Double goal = objective.goal();
        if (known && goal != null) {
            boolean accuracy = objective.metric().endsWith("accuracy");
            if (goal.isNaN() || goal < 0 || accuracy && goal > 1 || goal.isInfinite()) {
                errors.add(error("objective.goal", (accuracy ? "an accuracy is a fraction between 0 and 1"
                        : "a loss is a finite number of at least 0") + ", got " + goal));
            }
        }
        return known ? objective : null;
    }

    /** @param pruner null when its type is unknown */
    private void checkValidationData(ObjectiveSpec objective, PrunerSpec pruner, double smallestSplit) {
        if (smallestSplit > 0) {
            return;
        }
        String why = " needs validation data, but a trial can have validationSplit 0: hold out some training data";
        if (objective != null && objective.metric().startsWith("validation.")) {
            errors.add(error("objective.metric", "'" + objective.metric() + "'" + why));
        }
        if (pruner != null && !pruner.type().equals(PrunerSpec.NONE)) {
            errors.add(error("pruner.type", "'" + pruner.type() + "' compares validation metrics, so it" + why));
        }
    }

    /**
     * @param epochs the fewest epochs a trial can have; null when unknown (an invalid base)
     * @return the pruner with its defaults, or null when its type is unknown
     */
    private PrunerSpec checkPruner(PrunerSpec given, Integer epochs) {
        PrunerSpec pruner = (given == null ? PrunerSpec.ABSENT : given).withDefaults();
        if (!oneOf("pruner.type", pruner.type(), PrunerSpec.TYPES)) {
            return null;
        }
        boolean median = pruner.type().equals(PrunerSpec.MEDIAN);
        boolean asha = pruner.type().equals(PrunerSpec.ASHA);
        if (!median) {
            onlyFor("pruner", "warmupEpochs", pruner.warmupEpochs(), "the median pruner");
            onlyFor("pruner", "minTrials", pruner.minTrials(), "the median pruner");
        }
        if (!asha) {
            onlyFor("pruner", "minEpochs", pruner.minEpochs(), "the asha pruner");
            onlyFor("pruner", "reductionFactor", pruner.reductionFactor(), "the asha pruner");
            onlyFor("pruner", "minTrialsAtRung", pruner.minTrialsAtRung(), "the asha pruner");
        }
        if (median) {
            prunerEpochs("pruner.warmupEpochs", pruner.warmupEpochs(), 0, epochs, "else the pruner never stops a trial");
            atLeast("pruner.minTrials", pruner.minTrials(), 1);
        }
        if (asha) {
            prunerEpochs("pruner.minEpochs", pruner.minEpochs(), 1, epochs, "the first rung must come before a trial ends");
            atLeast("pruner.reductionFactor", pruner.reductionFactor(), 2);
            atLeast("pruner.minTrialsAtRung", pruner.minTrialsAtRung(), 1);
        }
        return pruner;
    }

    /**
     * Every trial the space can produce must be a valid training spec: the {@link #checkedSpace} in full (a grid
     * has at most {@value StudySpec#MAX_TRIALS} combinations), or, when random search's extremes have more
     * combinations than that, the first of them with one parameter at a time moved to each of its extremes. A
     * problem many trials share is listed once, with the first trial and a count.
     */
    private void checkTrials(TrainingSpec base, List<ParameterSpec> parameters, SearchSpace.GridSearch checked,
            boolean grid) {
        Set<Map<String, Object>> trials = new LinkedHashSet<>();
        if (checked.combinations() <= StudySpec.MAX_TRIALS) {
            for (int n = 1; n <= checked.size(); n++) {
                trials.add(checked.trial(n));
            }
        } else {
            Map<String, Object> first = checked.trial(1);
            for (ParameterSpec parameter : parameters) {
                for (Object corner : parameter.corners()) {
                    Map<String, Object> trial = new LinkedHashMap<>(first);
                    trial.put(parameter.name(), corner);
                    trials.add(trial);
                }
            }
        }
        Map<String, List<Map<String, Object>>> problems = new LinkedHashMap<>();
        for (Map<String, Object> trial : trials) {
            TrainingSpec spec = TrialSpecs.replace(base, trial);
            for (FieldError problem : TrainingSpecValidator.validate(spec, "")) {
                problems.computeIfAbsent(problem.toString(), p -> new ArrayList<>()).add(trial);
            }
        }
        problems.forEach((problem, failing) -> errors.add(error("parameters", (grid ? "trial " + failing.get(0)
                + " is invalid: " : "random search can draw " + failing.get(0) + ", which is invalid: ") + problem
                + (failing.size() > 1 ? " (and " + (failing.size() - 1) + " more trials)" : ""))));
    }

    /** A pruner's number of epochs: below the trials' fewest epochs (when known), or it does nothing. */
    private void prunerEpochs(String field, int value, int min, Integer epochs, String why) {
        if (atLeast(field, value, min) && epochs != null && value >= epochs) {
            errors.add(error(field, "must be below the trials' epochs (" + epochs + "): " + why + "; got " + value));
        }
    }

    private boolean atLeast(String field, int value, int min) {
        if (value < min) {
            errors.add(error(field, "must be at least " + min + ", got " + value));
            return false;
        }
        return true;
    }

    private boolean oneOf(String field, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            errors.add(error(field, "unknown value '" + value + "'; one of " + allowed));
            return false;
        }
        return true;
    }

    private String field(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    private FieldError error(String name, String message) {
        return new FieldError(field(name), message);
    }

    /**
     * The smallest value a numeric field takes over all trials: the smallest of its searched values, else the
     * base's value, else its default.
     */
    private static double smallest(String name, Number baseValue, double defaultValue, List<ParameterSpec> searched) {
        return searched.stream().filter(p -> name.equals(p.name())).findFirst()
                .map(p -> p.corners().stream().mapToDouble(v -> ((Number) v).doubleValue()).min().orElseThrow())
                .orElse(baseValue == null ? defaultValue : baseValue.doubleValue());
    }
}
