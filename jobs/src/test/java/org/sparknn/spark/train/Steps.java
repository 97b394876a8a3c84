package org.sparknn.spark.train;

import org.apache.spark.api.java.JavaRDD;

/** One training step's summed gradient, for benchmarks that time steps on their own. */
public final class Steps {
    private Steps() {
    }

    /** The summed gradient of global step {@code step} of {@code epoch}, as the training loop computes it. */
    public static float[] gradient(DistributedTrainer trainer, JavaRDD<Block> blocks, float[] params, int epoch, int step,
                                   int steps) {
        return trainer.gradient(blocks, params, epoch, step, steps, new DistributedTrainer.StepTimes()).grad;
    }
}
