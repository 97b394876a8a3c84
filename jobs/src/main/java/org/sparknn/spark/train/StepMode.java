package org.sparknn.spark.train;

import org.sparknn.nn.spec.SettingException;

/** How a training run's steps run; both modes compute the same bits. */
public enum StepMode {
    /** Each step is one Spark job whose tasks' gradients are tree-aggregated to the driver. */
    job,
    /**
     * Gang-scheduled tasks (barrier execution mode), one per partition, run a segment of steps and
     * exchange their gradients directly every step; the driver receives the state at the segment's end.
     */
    barrier,
    /** barrier when the cluster can run every partition at once and allocates no executors on demand, else job. */
    auto;

    public static StepMode parse(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new SettingException("stepMode must be barrier, job or auto, got '" + name + "'", "stepMode");
        }
    }
}
