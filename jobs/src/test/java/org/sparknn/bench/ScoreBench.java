package org.sparknn.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.jobs.ScoreJob;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.spark.ml.NeuralNetClassificationModel;
import picocli.CommandLine;

/**
 * Scoring throughput end to end through Spark (read Parquet, forward, write Parquet) on the MNIST
 * test split repeated to {@code copies x 10,000} rows: ScoreJob with the mlp and cnn models next to
 * MLlib's MultilayerPerceptronClassificationModel.transform ([784,128,10]) on the same rows, in the
 * same run. The rows are written as a uint8 dataset (data-prep's encoding of MNIST) and as a float32
 * one (normalized floats, which MLlib reads through array_to_vector); ScoreJob's mlp is measured on
 * both. After one warm-up round each is measured five times (the machines are noisy); medians and ratios printed. Run by bench/score-vs-mllib.
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

        // the inputs: the test split repeated, as spark-nn datasets (same rows, same metadata) in both encodings
        DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
        if (meta.encoding() != FeatureEncoding.uint8) {
            throw new IllegalArgumentException(dataset + " is stored as " + meta.encoding() + ", the bench needs uint8");
        }
        String pixels = work.resolve("mnist-repeated-uint8").toString();
        String floats = work.resolve("mnist-repeated-float32").toString();
        Dataset<Row> test = DatasetSchema.readSplit(spark, dataset, "test");
        Dataset<Row> repeated = null;
        for (int c = 0; c < copies; c++) {
            Dataset<Row> copy = test.withColumn(DatasetSchema.ID, concat(col(DatasetSchema.ID), lit("-" + c)));
            repeated = repeated == null ? copy : repeated.unionAll(copy);
        }
        repeated.write().mode(SaveMode.Overwrite).parquet(pixels + "/test");
        Files.writeString(Path.of(pixels, DatasetSchema.METADATA_FILE), meta.toJson());
        // from the same plan, so both have the same files and row groups
        DatasetSchema.normalizedFeatures(repeated).write().mode(SaveMode.Overwrite).parquet(floats + "/test");
        Files.writeString(Path.of(floats, DatasetSchema.METADATA_FILE), meta.withEncoding(FeatureEncoding.float32).toJson());
        long rows = spark.read().parquet(pixels + "/test").count();
        for (String input : List.of(pixels, floats)) {
            Path dir = Path.of(input, "test");
            long bytes = 0;
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    bytes += Files.size(f);
                }
            }
            System.out.printf("input: %d rows in %d partitions, %.1f MB (%s)%n", spark.read().parquet(input + "/test").count(),
                spark.read().parquet(input + "/test").rdd().getNumPartitions(), bytes / 1e6, input);
        }

        // MLlib's model: [784,128,10], a few L-BFGS iterations (its weights do not change the scoring cost)
        Dataset<Row> mlTrain = DatasetSchema.normalizedFeatures(DatasetSchema.readSplit(spark, dataset, "train")).select(col("label").cast("double").as("label"),
            functions.array_to_vector(col("features")).as("features"));
        MultilayerPerceptronClassificationModel mllibModel = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
            .setMaxIter(5).setSeed(1).fit(mlTrain);

        int rounds = 5;
        double[] mllibSeconds = new double[rounds];
        double[] mlpSeconds = new double[rounds];
        double[] mlpFloatSeconds = new double[rounds];
        double[] cnnSeconds = new double[rounds];
        double[] transformSeconds = new double[rounds];
        double[] streamSeconds = new double[rounds];
        double[] streamProcessingSeconds = new double[rounds];
        NeuralNetClassificationModel mlModel = NeuralNetClassificationModel.fromModelDirectory(mlpModel);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        // round 0 warms the JIT and the file cache for all three and is not counted
        for (int r = -1; r < rounds; r++) {
            long t0 = System.nanoTime();
            Dataset<Row> in = spark.read().parquet(floats + "/test").select(col(DatasetSchema.ID),
                functions.array_to_vector(col(DatasetSchema.FEATURES)).as("features"));
            mllibModel.transform(in).select(col(DatasetSchema.ID), col("prediction").cast("int").as("prediction"),
                functions.vector_to_array(col("probability"), "float32").as("probability"))
                .write().mode(SaveMode.Overwrite).parquet(work.resolve("out-mllib").toString());
            double mllibRound = (System.nanoTime() - t0) / 1e9;
            double mlpRound = score(spark, mlpModel, pixels, work.resolve("out-mlp").toString(), quiet);
            double mlpFloatRound = score(spark, mlpModel, floats, work.resolve("out-mlp-float32").toString(), quiet);
            double cnnRound = score(spark, cnnModel, pixels, work.resolve("out-cnn").toString(), quiet);
            double transformRound = transform(spark, mlModel, pixels, work.resolve("out-transform").toString());
            double[] streamTimes = stream(spark, mlModel, pixels, work.resolve("out-stream"));
            double streamRound = streamTimes[0];
            System.out.printf("%s: MLlib %.1f s, spark-nn mlp %.2f s (float32 input %.2f s; Spark ML transform %.2f s, as a"
                    + " stream %.2f s), spark-nn cnn %.1f s%n", r < 0 ? "warm-up (not counted)" : "round " + (r + 1), mllibRound,
                mlpRound, mlpFloatRound, transformRound, streamRound, cnnRound);
            if (r >= 0) {
                mllibSeconds[r] = mllibRound;
                mlpSeconds[r] = mlpRound;
                mlpFloatSeconds[r] = mlpFloatRound;
                cnnSeconds[r] = cnnRound;
                transformSeconds[r] = transformRound;
                streamSeconds[r] = streamRound;
                streamProcessingSeconds[r] = streamTimes[1];
            }
        }
        double mllib = median(mllibSeconds);
        double mlp = median(mlpSeconds);
        double mlpFloat = median(mlpFloatSeconds);
        double cnn = median(cnnSeconds);
        double transform = median(transformSeconds);
        double streamed = median(streamSeconds);
        double streamProcessing = median(streamProcessingSeconds);
        System.out.printf("%nmedian of %d rounds, %d rows, read + forward + write Parquet:%n", rounds, rows);
        System.out.printf("  MLlib MultilayerPerceptronClassificationModel.transform, float32 rows: %.2f s = %,.0f rows/s%n", mllib,
            rows / mllib);
        System.out.printf("  spark-nn ScoreJob mlp, uint8 rows:                                   %.2f s = %,.0f rows/s%n", mlp,
            rows / mlp);
        System.out.printf("  spark-nn ScoreJob mlp, float32 rows:                                 %.2f s = %,.0f rows/s%n", mlpFloat,
            rows / mlpFloat);
        System.out.printf("  spark-nn Spark ML transform mlp, uint8 rows:                         %.2f s = %,.0f rows/s%n",
            transform, rows / transform);
        System.out.printf("  spark-nn Spark ML transform mlp on a stream (available-now):          %.2f s = %,.0f rows/s%n",
            streamed, rows / streamed);
        System.out.printf("    of which the query's processing, as Spark reports it (not its start): %.2f s = %,.0f rows/s%n",
            streamProcessing, rows / streamProcessing);
        System.out.printf("  spark-nn ScoreJob cnn, uint8 rows:                                   %.2f s = %,.0f rows/s%n", cnn,
            rows / cnn);
        StringBuilder perRound = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            perRound.append(String.format(" %.2fx", mllibSeconds[r] / mlpSeconds[r]));
        }
        System.out.printf("mlp rows/s vs MLlib: %.2fx (target >= 5x); round by round:%s%n", mllib / mlp, perRound);
        System.out.printf("mlp on float32 rows vs MLlib: %.2fx%n", mllib / mlpFloat);
        System.out.printf("cnn images/s: %,.0f (target >= 20,000)%n", rows / cnn);
        System.out.printf("Spark ML transform vs ScoreJob (mlp, uint8): %.2f, as a stream %.2f (its processing alone %.2f)"
            + " (target >= 0.90)%n", mlp / transform, mlp / streamed, mlp / streamProcessing);
        spark.stop();
        System.out.printf("%nRESULT mllib_rows_per_s %.0f%nRESULT score_mlp_rows_per_s %.0f%nRESULT score_mlp_float32_rows_per_s %.0f%n"
            + "RESULT score_cnn_rows_per_s %.0f%nRESULT score_mlp_mllib_ratio %.2f%nRESULT score_mlp_float32_mllib_ratio %.2f%n",
            rows / mllib, rows / mlp, rows / mlpFloat, rows / cnn, mllib / mlp, mllib / mlpFloat);
        System.out.printf("RESULT transform_rows_per_s %.0f%nRESULT stream_rows_per_s %.0f%n"
            + "RESULT transform_score_ratio %.2f%nRESULT stream_score_ratio %.2f%n", rows / transform, rows / streamed,
            mlp / transform, mlp / streamed);
        System.out.printf("RESULT stream_processing_rows_per_s %.0f%nRESULT stream_processing_score_ratio %.2f%n",
            rows / streamProcessing, mlp / streamProcessing);
    }

    /** The Spark ML model's transform of a dataset split, written as ScoreJob writes its columns. */
    private static double transform(SparkSession spark, NeuralNetClassificationModel model, String dataset, String output) {
        long t0 = System.nanoTime();
        Dataset<Row> split = DatasetSchema.readSplit(spark, dataset, "test");
        model.transform(split).select(DatasetSchema.ID, "prediction", "probability")
            .write().mode(SaveMode.Overwrite).parquet(output);
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * The same as a stream over the split's files: one available-now run into a Parquet sink with a
     * fresh checkpoint. Returns the wall time from reading the split's schema to the query's end, and
     * the query's processing time as Spark reports it (the micro-batches' trigger executions: offsets
     * and commit logs, planning and the job; not the query's start).
     */
    private static double[] stream(SparkSession spark, NeuralNetClassificationModel model, String dataset, Path output)
        throws Exception {
        org.apache.commons.io.FileUtils.deleteDirectory(output.toFile());
        long t0 = System.nanoTime();
        Dataset<Row> files = spark.readStream().schema(DatasetSchema.readSplit(spark, dataset, "test").schema())
            .parquet(dataset + "/test");
        StreamingQuery q = model.transform(files).select(DatasetSchema.ID, "prediction", "probability").writeStream()
            .format("parquet").option("checkpointLocation", output.resolve("_checkpoint").toString())
            .trigger(Trigger.AvailableNow()).start(output.resolve("rows").toString());
        q.awaitTermination();
        double wall = (System.nanoTime() - t0) / 1e9;
        long processingMs = 0;
        for (org.apache.spark.sql.streaming.StreamingQueryProgress p : q.recentProgress()) {
            processingMs += p.durationMs().getOrDefault("triggerExecution", 0L);
        }
        return new double[] {wall, processingMs / 1e3};
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
