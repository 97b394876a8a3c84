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
 * both. The Spark ML model's transform is timed on the same rows, right after ScoreJob's mlp in
 * each round: as a batch, on a running stream that the rows arrive at (one directory of the split's
 * files per round, moved in at once: the time from their arrival to the micro-batch's end), and as a
 * fresh available-now query (its start included). The transform's output is written with the Parquet settings ScoreJob uses, so
 * that the comparison is of scoring, not of encodings. After one warm-up round each is measured five
 * times (the machines are noisy); medians and ratios printed. Run by bench/score-vs-mllib.
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
        double[] availableNowSeconds = new double[rounds];
        NeuralNetClassificationModel mlModel = NeuralNetClassificationModel.fromModelDirectory(mlpModel);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        RunningStream running = new RunningStream(spark, mlModel, pixels, work.resolve("stream-running"));
        // round 0 warms the JIT and the file cache for all three and is not counted
        for (int r = -1; r < rounds; r++) {
            settle();
            long t0 = System.nanoTime();
            Dataset<Row> in = spark.read().parquet(floats + "/test").select(col(DatasetSchema.ID),
                functions.array_to_vector(col(DatasetSchema.FEATURES)).as("features"));
            mllibModel.transform(in).select(col(DatasetSchema.ID), col("prediction").cast("int").as("prediction"),
                functions.vector_to_array(col("probability"), "float32").as("probability"))
                .write().mode(SaveMode.Overwrite).parquet(work.resolve("out-mllib").toString());
            double mllibRound = (System.nanoTime() - t0) / 1e9;
            settle();
            double mlpRound = score(spark, mlpModel, pixels, work.resolve("out-mlp").toString(), quiet);
            // the transforms right after the ScoreJob run they are compared with, on the same rows
            settle();
            double transformRound = transform(spark, mlModel, pixels, work.resolve("out-transform").toString());
            settle();
            double streamRound = running.next(rows);
            settle();
            double availableNowRound = availableNow(spark, mlModel, pixels, work.resolve("out-stream"));
            settle();
            double mlpFloatRound = score(spark, mlpModel, floats, work.resolve("out-mlp-float32").toString(), quiet);
            settle();
            double cnnRound = score(spark, cnnModel, pixels, work.resolve("out-cnn").toString(), quiet);
            System.out.printf("%s: MLlib %.1f s, spark-nn mlp %.2f s (float32 input %.2f s; Spark ML transform %.2f s, on a"
                    + " running stream %.2f s, as a new available-now query %.2f s), spark-nn cnn %.1f s%n",
                r < 0 ? "warm-up (not counted)" : "round " + (r + 1), mllibRound, mlpRound, mlpFloatRound, transformRound,
                streamRound, availableNowRound, cnnRound);
            if (r >= 0) {
                mllibSeconds[r] = mllibRound;
                mlpSeconds[r] = mlpRound;
                mlpFloatSeconds[r] = mlpFloatRound;
                cnnSeconds[r] = cnnRound;
                transformSeconds[r] = transformRound;
                availableNowSeconds[r] = availableNowRound;
                streamSeconds[r] = streamRound;
            }
        }
        running.stop();
        double mllib = median(mllibSeconds);
        double mlp = median(mlpSeconds);
        double mlpFloat = median(mlpFloatSeconds);
        double cnn = median(cnnSeconds);
        double transform = median(transformSeconds);
        double streamed = median(streamSeconds);
        double availableNowTime = median(availableNowSeconds);
        System.out.printf("%nmedian of %d rounds, %d rows, read + forward + write Parquet:%n", rounds, rows);
        System.out.printf("  MLlib MultilayerPerceptronClassificationModel.transform, float32 rows: %.2f s = %,.0f rows/s%n", mllib,
            rows / mllib);
        System.out.printf("  spark-nn ScoreJob mlp, uint8 rows:                                   %.2f s = %,.0f rows/s%n", mlp,
            rows / mlp);
        System.out.printf("  spark-nn ScoreJob mlp, float32 rows:                                 %.2f s = %,.0f rows/s%n", mlpFloat,
            rows / mlpFloat);
        System.out.printf("  spark-nn Spark ML transform mlp, uint8 rows:                         %.2f s = %,.0f rows/s%n",
            transform, rows / transform);
        System.out.printf("  spark-nn Spark ML transform mlp on a running stream, arrival to commit: %.2f s = %,.0f rows/s%n",
            streamed, rows / streamed);
        System.out.printf("  spark-nn Spark ML transform mlp, a new available-now query (start included): %.2f s = %,.0f rows/s%n",
            availableNowTime, rows / availableNowTime);
        System.out.printf("  spark-nn ScoreJob cnn, uint8 rows:                                   %.2f s = %,.0f rows/s%n", cnn,
            rows / cnn);
        StringBuilder perRound = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            perRound.append(String.format(" %.2fx", mllibSeconds[r] / mlpSeconds[r]));
        }
        System.out.printf("mlp rows/s vs MLlib: %.2fx (target >= 5x); round by round:%s%n", mllib / mlp, perRound);
        System.out.printf("mlp on float32 rows vs MLlib: %.2fx%n", mllib / mlpFloat);
        System.out.printf("cnn images/s: %,.0f (target >= 20,000)%n", rows / cnn);
        System.out.printf("Spark ML transform vs ScoreJob (mlp, uint8): %.2f, on a running stream %.2f (target >= 0.90);"
            + " a new available-now query %.2f%n", mlp / transform, mlp / streamed, mlp / availableNowTime);
        spark.stop();
        System.out.printf("%nRESULT mllib_rows_per_s %.0f%nRESULT score_mlp_rows_per_s %.0f%nRESULT score_mlp_float32_rows_per_s %.0f%n"
            + "RESULT score_cnn_rows_per_s %.0f%nRESULT score_mlp_mllib_ratio %.2f%nRESULT score_mlp_float32_mllib_ratio %.2f%n",
            rows / mllib, rows / mlp, rows / mlpFloat, rows / cnn, mllib / mlp, mllib / mlpFloat);
        System.out.printf("RESULT transform_rows_per_s %.0f%nRESULT stream_rows_per_s %.0f%n"
            + "RESULT transform_score_ratio %.2f%nRESULT stream_score_ratio %.2f%n", rows / transform, rows / streamed,
            mlp / transform, mlp / streamed);
        System.out.printf("RESULT stream_available_now_rows_per_s %.0f%nRESULT stream_available_now_score_ratio %.2f%n",
            rows / availableNowTime, mlp / availableNowTime);
    }

    /** The Spark ML model's transform of a dataset split, written as ScoreJob writes its columns. */
    private static double transform(SparkSession spark, NeuralNetClassificationModel model, String dataset, String output) {
        long t0 = System.nanoTime();
        Dataset<Row> split = DatasetSchema.readSplit(spark, dataset, "test");
        model.transform(split).select(DatasetSchema.ID, "prediction", "probability")
            .write().mode(SaveMode.Overwrite).options(SCORE_JOB_PARQUET).parquet(output);
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * ScoreJob's Parquet settings for its output (no dictionary for ids and probabilities, whose
     * values are all different), with the probability column as the Spark ML vector it is here.
     */
    private static final java.util.Map<String, String> SCORE_JOB_PARQUET = java.util.Map.of(
        "parquet.enable.dictionary#" + DatasetSchema.ID, "false",
        "parquet.enable.dictionary#probability.values.list.element", "false");

    /**
     * The transform on a streaming query that runs for the whole bench, as continuous scoring runs:
     * each round moves a directory holding the split's files into the directory it watches (at once,
     * by a rename), and times their arrival to the end of the micro-batch that scored them. It
     * triggers every {@link #TRIGGER}: a query without an interval lists the directory every few
     * milliseconds while it waits, which would take CPU from the other measurements; the wait for the
     * next trigger is part of the time measured.
     */
    private static final class RunningStream {
        static final String TRIGGER = "100 milliseconds";

        private final String files;
        private final Path staging;
        private final Path watched;
        private final StreamingQuery query;
        /** The progress reports already read (idle ones included): trigger time and batch id. */
        private final java.util.Set<String> seen = new java.util.HashSet<>();
        private int round;

        RunningStream(SparkSession spark, NeuralNetClassificationModel model, String dataset, Path work) throws Exception {
            org.apache.commons.io.FileUtils.deleteDirectory(work.toFile());
            this.files = dataset + "/test";
            this.staging = Files.createDirectories(work.resolve("staging"));
            this.watched = Files.createDirectories(work.resolve("watched"));
            Dataset<Row> arriving = spark.readStream().schema(DatasetSchema.readSplit(spark, dataset, "test").schema())
                .parquet(watched + "/*");
            this.query = model.transform(arriving).select(DatasetSchema.ID, "prediction", "probability").writeStream()
                .format("parquet").options(SCORE_JOB_PARQUET).option("checkpointLocation", work.resolve("checkpoint").toString())
                .trigger(Trigger.ProcessingTime(TRIGGER)).start(work.resolve("rows").toString());
        }

        /** Seconds from the arrival of the split's {@code rows} rows to the end of the micro-batches that scored them. */
        double next(long rows) throws Exception {
            Path batch = Files.createDirectories(staging.resolve("r" + round));
            try (var parts = Files.list(Path.of(files))) {
                for (Path f : (Iterable<Path>) parts::iterator) {
                    if (f.getFileName().toString().endsWith(".parquet")) {
                        Files.copy(f, batch.resolve(f.getFileName()));
                    }
                }
            }
            scored(); // what came before this round's files
            long t0 = System.nanoTime();
            Files.move(batch, watched.resolve("r" + round++), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            long scored = 0;
            while (scored < rows) {
                if (query.exception().isDefined()) {
                    throw query.exception().get();
                }
                if (System.nanoTime() - t0 > 600e9) {
                    throw new IllegalStateException("the stream scored " + scored + " of " + rows + " rows in 10 minutes;"
                        + " its last progress: " + query.lastProgress());
                }
                scored += scored();
                Thread.sleep(2);
            }
            if (scored != rows) {
                throw new IllegalStateException("the stream scored " + scored + " rows, " + rows + " arrived");
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        /** The input rows of the progress reports not read before. */
        private long scored() {
            long rows = 0;
            for (org.apache.spark.sql.streaming.StreamingQueryProgress p : query.recentProgress()) {
                if (seen.add(p.timestamp() + " " + p.batchId())) {
                    rows += p.numInputRows();
                }
            }
            return rows;
        }

        void stop() throws Exception {
            query.stop();
        }
    }

    /**
     * The same as a new available-now query over the split's files into a Parquet sink with a fresh
     * checkpoint: the wall time from reading the split's schema to the query's end.
     */
    private static double availableNow(SparkSession spark, NeuralNetClassificationModel model, String dataset, Path output)
        throws Exception {
        org.apache.commons.io.FileUtils.deleteDirectory(output.toFile());
        long t0 = System.nanoTime();
        Dataset<Row> files = spark.readStream().schema(DatasetSchema.readSplit(spark, dataset, "test").schema())
            .parquet(dataset + "/test");
        StreamingQuery q = model.transform(files).select(DatasetSchema.ID, "prediction", "probability").writeStream()
            .format("parquet").options(SCORE_JOB_PARQUET).option("checkpointLocation", output.resolve("_checkpoint").toString())
            .trigger(Trigger.AvailableNow()).start(output.resolve("rows").toString());
        q.awaitTermination();
        return (System.nanoTime() - t0) / 1e9;
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

    /**
     * A full garbage collection between measurements, so that one measurement's garbage (MLlib's
     * above all) is not collected in the next one's time.
     */
    private static void settle() {
        System.gc();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private ScoreBench() {
    }
}
