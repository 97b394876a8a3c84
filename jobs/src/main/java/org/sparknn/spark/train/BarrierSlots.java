package org.sparknn.spark.train;

import org.apache.spark.SparkContext;

/** Whether this application can run a training segment as one barrier stage, and where its tasks' exchanges are. */
final class BarrierSlots {
    private BarrierSlots() {
    }

    /**
     * Why {@code partitions} gang-scheduled tasks cannot run here, or null when they can: barrier
     * stages need every task at once, which executors allocated on demand cannot promise, and
     * enough free task slots.
     */
    static String against(SparkContext sc, int partitions) {
        if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "dynamic allocation is on (spark.dynamicAllocation.enabled), and barrier stages need all their tasks"
                + " at once";
        }
        waitForExecutors(sc);
        int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        if (slots < partitions) {
            return "the " + partitions + " partitions need " + partitions + " task slots at once and there are " + slots;
        }
        return null;
    }

    /**
     * Waits, at most {@code spark.scheduler.maxRegisteredResourcesWaitingTime}, until the executors
     * {@code spark.executor.instances} asks for have registered, so their slots are counted.
     */
    private static void waitForExecutors(SparkContext sc) {
        int expected = sc.conf().getInt("spark.executor.instances", 0);
        long deadline = System.nanoTime()
            + sc.conf().getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s") * 1_000_000;
        while (!sc.isLocal() && sc.getExecutorIds().size() < expected && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
