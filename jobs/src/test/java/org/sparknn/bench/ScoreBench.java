package org.sparknn.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.sparknn.dataprep.DatasetSchema;
import org.sparknn.jobs.ScoreJob;
import org.sparknn.nn.linalg.Blas;
import picocli.CommandLine;

/**
 * Scoring throughput end to end through Spark (read Parquet, forward, write Parquet) on the MNIST
 * test split repeated to {@code copies x 10,000} rows: ScoreJob with the mlp and cnn models next to
 * MLlib's MultilayerPerceptronClassificationModel.transform ([784,128,10]) on the same rows, in the
 * same run. After one warm-up round each is measured five times (the machines are noisy); medians and ratios printed. Run by bench/score-vs-mllib.
 */
public final class ScoreBench {
    public static void main(String[] args) throws Exception {
        String dataset = args[0];
        String mlpModel = args[1];
        String cnnModel = args[2];
        Path work = Path.of(args[3]);
        int copies = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        SparkSession spark = SparkSession.builder().appName("spark-nn score bench").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.printf("master %s, BLAS %s, Spark %s%n", spark.sparkContext().master(), Blas.get().describe(), spark.version());

        // the input: the test split repeated, as a spark-nn dataset (same features column and metadata)
        String input = work.resolve("mnist-repeated").toString();
        Dataset<Row> test = DatasetSchema.readSplit(spark, dataset, "test");
        Dataset<Row> repeated = null;
        for (int c = 0; c < copies; c++) {
            Dataset<Row> copy = test.withColumn(DatasetSchema.ID, concat(col(DatasetSchema.ID), lit("-" + c)));
            repeated = repeated == null ? copy : repeated.unionAll(copy);
        }
        repeated.write().mode(SaveMode.Overwrite).parquet(input + "/test");
        Files.copy(Path.of(dataset, DatasetSchema.METADATA_FILE), Path.of(input, DatasetSchema.METADATA_FILE),
            StandardCopyOption.REPLACE_EXISTING);
        long rows = spark.read().parquet(input + "/test").count();
        int partitions = spark.read().parquet(input + "/test").rdd().getNumPartitions();
        System.out.printf("input: %d rows in %d partitions (%s)%n", rows, partitions, input);

        // MLlib's model: [784,128,10], a few L-BFGS iterations (its weights do not change the scoring cost)
        Dataset<Row> mlTrain = DatasetSchema.readSplit(spark, dataset, "train").select(col("label").cast("double").as("label"),
            functions.array_to_vector(col("features")).as("features"));
        MultilayerPerceptronClassificationModel mllibModel = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
            .setMaxIter(5).setSeed(1).fit(mlTrain);

        int rounds = 5;
        double[] mllibSeconds = new double[rounds];
        double[] mlpSeconds = new double[rounds];
        double[] cnnSeconds = new double[rounds];
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        // round 0 warms the JIT and the file cache for all three and is not counted
        for (int r = -1; r < rounds; r++) {
            long t0 = System.nanoTime();
            Dataset<Row> in = spark.read().parquet(input + "/test").select(col(DatasetSchema.ID),
                functions.array_to_vector(col(DatasetSchema.FEATURES)).as("features"));
            mllibModel.transform(in).select(col(DatasetSchema.ID), col("prediction").cast("int").as("prediction"),
                functions.vector_to_array(col("probability"), "float32").as("probability"))
                .write().mode(SaveMode.Overwrite).parquet(work.resolve("out-mllib").toString());
            double mllibRound = (System.nanoTime() - t0) / 1e9;
            double mlpRound = score(spark, mlpModel, input, work.resolve("out-mlp").toString(), quiet);
            double cnnRound = score(spark, cnnModel, input, work.resolve("out-cnn").toString(), quiet);
            System.out.printf("%s: MLlib %.1f s, spark-nn mlp %.1f s, spark-nn cnn %.1f s%n",
                r < 0 ? "warm-up (not counted)" : "round " + (r + 1), mllibRound, mlpRound, cnnRound);
            if (r >= 0) {
                mllibSeconds[r] = mllibRound;
                mlpSeconds[r] = mlpRound;
                cnnSeconds[r] = cnnRound;
            }
        }
        double mllib = median(mllibSeconds);
        double mlp = median(mlpSeconds);
        double cnn = median(cnnSeconds);
        System.out.printf("%nmedian of %d rounds, %d rows, read + forward + write Parquet:%n", rounds, rows);
        System.out.printf("  MLlib MultilayerPerceptronClassificationModel.transform: %.1f s = %,.0f rows/s%n", mllib, rows / mllib);
        System.out.printf("  spark-nn ScoreJob mlp:                                   %.1f s = %,.0f rows/s%n", mlp, rows / mlp);
        System.out.printf("  spark-nn ScoreJob cnn:                                   %.1f s = %,.0f rows/s%n", cnn, rows / cnn);
        StringBuilder perRound = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            perRound.append(String.format(" %.2fx", mllibSeconds[r] / mlpSeconds[r]));
        }
        System.out.printf("mlp rows/s vs MLlib: %.2fx (target >= 5x); round by round:%s%n", mllib / mlp, perRound);
        System.out.printf("cnn images/s: %,.0f (target >= 20,000)%n", rows / cnn);
        spark.stop();
    }

    private static double score(SparkSession spark, String model, String input, String output, PrintStream log) throws Exception {
        ScoreJob job = new ScoreJob();
        new CommandLine(job).parseArgs("--model", model, "--input", input, "--split", "test", "--output", output, "--overwrite");
        long t0 = System.nanoTime();
        ScoreJob.Summary s = job.run(spark, log);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (s.rows() == 0) {
            throw new IllegalStateException("nothing scored");
        }
        return seconds;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private ScoreBench() {
    }
}
