package org.sparknn.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.dataprep.IdxArrays;
import org.sparknn.nn.loss.Loss;
import org.sparknn.nn.optim.Adam;
import org.sparknn.nn.optim.LearningRate;
import org.sparknn.nn.optim.Regularization;
import org.sparknn.spark.train.StepMode;
import org.sparknn.spark.train.TrainConfig;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;

/** Small real-MNIST DataFrames and configurations shared by the distributed-training tests. */
public final class TrainingFixtures {
    private static IdxArrays train;

    private TrainingFixtures() {
    }

    public static synchronized IdxArrays mnist() throws IOException {
        if (train == null) {
            train = IdxArrays.read(Path.of(TestData.path(TestData.TRAIN_IMAGES)), Path.of(TestData.path(TestData.TRAIN_LABELS)), -1);
        }
        return train;
    }

    /** The first {@code n} subset rows as (id, label, features), in {@code partitions} partitions. */
    public static Dataset<Row> frame(int n, int partitions) throws IOException {
        IdxArrays a = mnist();
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] f = new float[784];
            System.arraycopy(a.x(), i * 784, f, 0, 784);
            rows.add(RowFactory.create(String.format("r%05d", i), a.labels()[i], f));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));
        return TestSpark.session().createDataFrame(rows, schema).repartition(partitions);
    }

    public static TrainConfig config(int epochs, int batch, long seed, int depth) {
        return new TrainConfig(epochs, batch, seed, Adam.defaults(), LearningRate.constant(0.001), Regularization.NONE,
            "cross_entropy", depth, null, 0, null, StepMode.job);
    }

    public static Loss loss() {
        return Loss.parse("cross_entropy");
    }
}
