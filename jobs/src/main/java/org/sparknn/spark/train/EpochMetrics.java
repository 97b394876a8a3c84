package org.sparknn.spark.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One epoch's figures: mean training loss (data loss plus regularization) and accuracy over the
 * epoch's steps, validation loss and accuracy (null without validation data), the learning rate
 * at the epoch's last step, wall time and throughput.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(int epoch, double loss, double accuracy, Double valLoss, Double valAccuracy,
                           double learningRate, double seconds, double imagesPerSecond) {
    public static final String CSV_HEADER = "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second";

    public String csv() {
        return epoch + "," + loss + "," + accuracy + "," + (valLoss == null ? "" : valLoss) + ","
            + (valAccuracy == null ? "" : valAccuracy) + "," + learningRate + "," + seconds + "," + imagesPerSecond;
    }
}
