package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How the learning rate changes from epoch to epoch (the schedule steps once per epoch, as in PyTorch's
 * usual loops).
 *
 * @param type         none, step (x gamma every stepSize epochs), multistep (x gamma at each milestone),
 *                     cosine (anneal to 0 over the epochs), plateau (x gamma when validation accuracy has not
 *                     improved for patience epochs)
 * @param stepSize     for step
 * @param gamma        the factor for step, multistep and plateau, default 0.1
 * @param milestones   for multistep: epochs (counting from 1) after which the rate drops
 * @param warmupEpochs linear warm-up from lr/warmupEpochs to lr over these first epochs, before any type
 * @param patience     for plateau, default 5
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleSpec(String type, Integer stepSize, Double gamma, List<Integer> milestones,
        Integer warmupEpochs, Integer patience) {

    public static final ScheduleSpec NONE = new ScheduleSpec("none", null, null, null, 0, null);
    public static final double DEFAULT_GAMMA = 0.1;
    public static final int DEFAULT_PATIENCE = 5;

    public ScheduleSpec withDefaults() {
        String resolved = type == null ? "none" : type;
        boolean scales = resolved.equals("step") || resolved.equals("multistep") || resolved.equals("plateau");
        return new ScheduleSpec(resolved, stepSize,
                gamma == null && scales ? Double.valueOf(DEFAULT_GAMMA) : gamma,
                milestones,
                warmupEpochs == null ? 0 : warmupEpochs,
                patience == null && resolved.equals("plateau") ? Integer.valueOf(DEFAULT_PATIENCE) : patience);
    }
}
