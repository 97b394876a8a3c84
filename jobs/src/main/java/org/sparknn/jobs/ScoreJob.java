package org.sparknn.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_date;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_json;

import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.sparknn.dataprep.ParquetSource;
import org.sparknn.dataprep.RawImages;
import org.sparknn.dataprep.StreamingImages;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.AtomicOutput;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.ProgressReporter;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.nn.layer.Shape;
import org.sparknn.spark.input.DatasetInput;
import org.sparknn.spark.input.InputTransform;
import org.sparknn.spark.score.Scorer;
import org.sparknn.spark.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scores a dataset with a trained model over the cluster and writes the predictions atomically,
 * optionally as one dated partition of a table that a nightly schedule fills.
 */
@Command(name = "ScoreJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Scores images with a model directory written by TrainJob: the weights are broadcast once and every",
        "partition runs the network over batches of rows. Input: a spark-nn dataset (IngestImagesJob's",
        "output), IDX files, a folder of PNG/JPEG images or a Parquet table; raw images are normalized as the",
        "model's spec.json says. Output columns: id, label (labeled input), prediction, predicted_class,",
        "probability, top_k (with --top-k), model, model_sha256. Rows that cannot be decoded go to",
        "<output>/_rejects with their reason. The output appears whole or not at all; with --run-date it is",
        "the partition run_date=<date> of the output table, and re-running a date replaces that partition.", ""})
public final class ScoreJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    /** Input kinds: a spark-nn dataset or raw images. */
    enum InputFormat { dataset, idx, images, parquet }

    /** Output file formats. */
    enum OutputFormat { parquet, csv, json }

    public static final String REJECTS = "_rejects";
    public static final String SUMMARY = "_scoring.json";
    public static final String RUN_DATE = "run_date";

    @Option(names = "--model", required = true, description = "Model directory (spec.json, weights.bin).")
    String model;
    @Option(names = "--input", required = true,
        description = "Dataset directory, IDX image file, image folder or Parquet path (see --format).")
    String input;
    @Option(names = "--format", defaultValue = "dataset",
        description = "dataset, idx, images or parquet (default: ${DEFAULT-VALUE}).")
    InputFormat format;
    @Option(names = "--split", defaultValue = "test", description = "--format dataset: the split to score (default: ${DEFAULT-VALUE}).")
    String split;
    @Option(names = "--labels", description = "--format idx: the IDX label file, to carry labels into the output.")
    String labels;
    @Option(names = "--image-col", description = "--format parquet: column of image structs (Spark's image schema).")
    String imageCol;
    @Option(names = "--features-col", description = "--format parquet: column of raw pixel values (array or vector).")
    String featuresCol;
    @Option(names = "--label-col", description = "--format parquet: label column to carry into the output.")
    String labelCol;
    @Option(names = "--id-col", description = "--format parquet: id column (default: generated ids).")
    String idCol;
    @Option(names = "--resize", description = "Resize images of another size to the model's (default: reject them).")
    boolean resize;
    @Option(names = "--output", required = true, description = "Output directory (the table's root with --run-date).")
    String output;
    @Option(names = "--output-format", defaultValue = "parquet", description = "parquet, csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat outputFormat;
    @Option(names = "--run-date", description = {"Write the partition run_date=<YYYY-MM-DD> of --output, replacing a previous run",
        "of that date; 'today' or 'yesterday' (UTC) for schedulers that cannot fill in the date."})
    String runDate;
    @Option(names = "--overwrite", description = "Without --run-date: replace an existing output directory.")
    boolean overwrite;
    @Option(names = "--top-k", defaultValue = "0", description = "Also write the K most probable classes (default: ${DEFAULT-VALUE}).")
    int topK;
    @Option(names = "--partitions", description = "Spread the input over at least N partitions (default: as read).")
    Integer partitions;
    @Option(names = "--stream", description = {"Watch --input (--format images or parquet) and score new files as they arrive,",
        "exactly once, into a Parquet table at --output partitioned by processing_date (rejects under",
        "<output>/_rejects). Files must appear whole (write them elsewhere, or under a name starting with",
        "'.' or '_', and rename them in)."})
    boolean stream;
    @Option(names = "--trigger", defaultValue = "1 minute", description = {"--stream: how often to look for new files,",
        "as an interval ('30 seconds', '5 minutes'), or 'available-now' to score what has arrived and stop",
        "(default: ${DEFAULT-VALUE})."})
    String trigger;
    @Option(names = "--checkpoint", description = "--stream: the checkpoint directory that makes a restart go on where the last"
        + " run stopped (default: <output>/_checkpoints).")
    String checkpoint;
    @Option(names = "--max-files-per-trigger", description = "--stream: at most N new files per micro-batch (default: all).")
    Integer maxFilesPerTrigger;

    /** What a run did. */
    public record Summary(String output, long rows, long rejected, double seconds, String modelSha256) {
        public double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-9);
        }
    }

    public static void main(String[] args) {
        SparkJob.main(new ScoreJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        return SparkJob.inSession("spark-nn score", spark -> run(spark, System.out));
    }

    void validate() {
        if (runDate != null) {
            LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
            if (runDate.equals("today")) {
                runDate = today.toString();
            } else if (runDate.equals("yesterday")) {
                runDate = today.minusDays(1).toString();
            }
            try {
                LocalDate.parse(runDate);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("--run-date must be a date as YYYY-MM-DD, 'today' or 'yesterday', got '"
                    + runDate + "'");
            }
            if (overwrite) {
                throw new IllegalArgumentException("--overwrite does not apply with --run-date (a date's partition is always replaced)");
            }
        }
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be 0 or more, got " + topK);
        }
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("--partitions must be positive, got " + partitions);
        }
        boolean parquet = format == InputFormat.parquet;
        if (!parquet && (imageCol != null || featuresCol != null || labelCol != null || idCol != null)) {
            throw new IllegalArgumentException("--image-col, --features-col, --label-col and --id-col apply to --format parquet only");
        }
        if (parquet && (imageCol == null) == (featuresCol == null)) {
            throw new IllegalArgumentException("--format parquet needs exactly one of --image-col and --features-col");
        }
        if (labels != null && format != InputFormat.idx) {
            throw new IllegalArgumentException("--labels applies to --format idx only");
        }
        if (!stream) {
            if (checkpoint != null || maxFilesPerTrigger != null) {
                throw new IllegalArgumentException("--checkpoint and --max-files-per-trigger apply with --stream only");
            }
            return;
        }
        if (format != InputFormat.images && format != InputFormat.parquet) {
            throw new IllegalArgumentException("--stream watches a directory of image files (--format images) or Parquet"
                + " files (--format parquet), not --format " + format);
        }
        if (runDate != null || overwrite || partitions != null) {
            throw new IllegalArgumentException("--run-date, --overwrite and --partitions do not apply with --stream (its"
                + " output is partitioned by processing date and only ever appended to, exactly once)");
        }
        if (outputFormat != OutputFormat.parquet) {
            throw new IllegalArgumentException("--stream writes Parquet; --output-format " + outputFormat + " is not supported");
        }
        if (maxFilesPerTrigger != null && maxFilesPerTrigger < 1) {
            throw new IllegalArgumentException("--max-files-per-trigger must be positive, got " + maxFilesPerTrigger);
        }
        streamTrigger(); // checks --trigger
    }

    /** The stream's trigger from --trigger. */
    org.apache.spark.sql.streaming.Trigger streamTrigger() {
        if (trigger.equals("available-now")) {
            return org.apache.spark.sql.streaming.Trigger.AvailableNow();
        }
        try {
            return org.apache.spark.sql.streaming.Trigger.ProcessingTime(trigger);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trigger must be an interval such as '30 seconds' or '5 minutes', or"
                + " 'available-now'; got '" + trigger + "'");
        }
    }

    /** Where this run's output goes: the output directory, or its run-date partition. */
    String target() {
        return runDate == null ? output : new Path(output, RUN_DATE + "=" + runDate).toString();
    }

    public Summary run(SparkSession spark, PrintStream out) throws IOException {
        validate();
        if (stream) {
            return runStream(spark, out);
        }
        long start = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelDirectory m = readModel(files);
        String sha = ModelStore.weightsSha256(files, model);
        Shape shape = m.spec().network().input();
        int classes = m.spec().classNames().size();
        out.printf("scoring %s with %s (%d classes, input %s, weights sha256 %s)%n", input, model, classes,
            RawImages.shape(shape.channels(), shape.height(), shape.width()), sha.substring(0, 12));

        // Everything about the input is checked before the output directory is touched.
        Dataset<Row> decoded = null;
        Dataset<Row> rows;
        boolean labeled;
        InputTransform transform;
        if (format == InputFormat.dataset) {
            DatasetInput in = DatasetInput.read(spark, input, split, m.spec(), model);
            rows = in.frame();
            labeled = in.labeled();
            transform = in.transform();
        } else {
            ParquetSource.Columns columns = format == InputFormat.parquet
                ? new ParquetSource.Columns(imageCol, featuresCol, labelCol, idCol) : null;
            RawImages.Request request = new RawImages.Request(RawImages.Format.valueOf(format.name()), input, labels,
                columns, resize, null);
            decoded = RawImages.decode(spark, request, shape.channels(), shape.height(), shape.width(),
                m.spec().classNames()).persist(StorageLevel.MEMORY_AND_DISK());
            labeled = labels != null || labelCol != null;
            transform = InputTransform.between(null, m.spec().inputNormalization(model));
            rows = decoded.filter(col("reason").isNull())
                .select(col(DatasetSchema.ID), col(DatasetSchema.LABEL), col(DatasetSchema.FEATURES));
        }
        if (partitions != null && rows.rdd().getNumPartitions() < partitions) {
            rows = rows.repartition(partitions);
        }
        LinkedHashMap<String, String> identity = new LinkedHashMap<>();
        identity.put("model", model);
        identity.put("model_sha256", sha);
        // rows are counted by the writing job itself, as its tasks produce them
        LongAccumulator scored = spark.sparkContext().longAccumulator("rows scored");
        Dataset<Row> scores = new Scorer(m).score(spark, rows, labeled, transform, topK, identity, scored);

        String target = target();
        try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), "score", out, 10_000);
             AtomicOutput staged = new AtomicOutput(files, target, overwrite || runDate != null,
                 AppAttempt.of(spark.sparkContext()), out)) {
            progress.step("scoring into " + target);
            writer(scores).save(staged.stagingRoot().toString());
            long written = scored.value();
            long rejected = 0;
            Long read = null;
            if (decoded != null) {
                progress.step("writing the rejects");
                Observation rejectedRows = new Observation("rejected");
                decoded.filter(col("reason").isNotNull()).select(col(DatasetSchema.ID), col("source"), col("reason"))
                    .observe(rejectedRows, count(lit(1)).as("rows"))
                    .coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(staged.staging(REJECTS).toString());
                rejected = observedRows(rejectedRows);
                read = decoded.count();
                if (read != written + rejected) {
                    throw new IllegalStateException("read " + read + " input rows but scored " + written + " and rejected "
                        + rejected + ": rows were lost or doubled; nothing is published");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("model", model);
            summary.put("modelSha256", sha);
            summary.put("input", input);
            summary.put("format", format.name());
            if (format == InputFormat.dataset) {
                summary.put("split", split);
            }
            if (runDate != null) {
                summary.put("runDate", runDate);
            }
            if (read != null) {
                summary.put("read", read);
            }
            summary.put("rows", written);
            summary.put("rejected", rejected);
            summary.put("seconds", seconds);
            summary.put("gitRevision", ModelStore.gitRevision());
            files.writeString(staged.staging(SUMMARY), ModelStore.json(summary));
            progress.step("publishing " + target);
            staged.publish();
            Summary s = new Summary(target, written, rejected, seconds, sha);
            out.printf("%nscored %d rows in %.1f s (%.0f rows/s); %d rejected%s%noutput: %s%n", written, seconds,
                s.rowsPerSecond(), rejected, rejected > 0 ? " (see " + new Path(target, REJECTS) + ")" : "", target);
            return s;
        } finally {
            if (decoded != null) {
                decoded.unpersist();
            }
        }
    }

    /**
     * --stream: two queries over the watched directory, each with its own checkpoint and the file
     * sink's own metadata log, which makes each exactly once: the scores into --output and the
     * rejects into {@code <output>/_rejects}, both partitioned by the processing date (the micro-batch's
     * date, which a restarted batch keeps). Readers see only committed files when they read the
     * table with Spark. With --trigger available-now it returns when what had arrived is scored;
     * otherwise it runs until stopped or a query fails.
     */
    Summary runStream(SparkSession spark, PrintStream out) throws IOException {
        long start = System.nanoTime();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelDirectory m = readModel(files);
        String sha = ModelStore.weightsSha256(files, model);
        Shape shape = m.spec().network().input();
        Path outPath = new Path(output);
        if (files.fs(outPath).exists(outPath) && files.fs(outPath).listStatus(outPath).length > 0
                && !files.fs(outPath).exists(new Path(outPath, "_spark_metadata"))) {
            throw new IllegalArgumentException(output + " exists and is not the output of a scoring stream (it has no"
                + " _spark_metadata); give a new directory or the one a stream writes");
        }
        String checkpoints = checkpoint != null ? checkpoint : new Path(outPath, "_checkpoints").toString();
        ParquetSource.Columns columns = format == InputFormat.parquet
            ? new ParquetSource.Columns(imageCol, featuresCol, labelCol, idCol) : null;
        Dataset<Row> decoded = StreamingImages.read(spark, new RawImages.Request(RawImages.Format.valueOf(format.name()),
                input, null, columns, resize, null), shape.channels(), shape.height(), shape.width(), m.spec().classNames(),
            maxFilesPerTrigger == null ? 0 : maxFilesPerTrigger);
        boolean labeled = labelCol != null;
        out.printf("watching %s for %s files; scoring with %s (weights sha256 %s) into %s; checkpoints in %s%n", input,
            format == InputFormat.images ? "image" : "Parquet", model, sha.substring(0, 12), output, checkpoints);
        LinkedHashMap<String, String> identity = new LinkedHashMap<>();
        identity.put("model", model);
        identity.put("model_sha256", sha);
        Dataset<Row> rows = decoded.filter(col("reason").isNull())
            .select(col(DatasetSchema.ID), col(DatasetSchema.LABEL), col(DatasetSchema.FEATURES));
        Dataset<Row> scores = new Scorer(m).score(spark, rows, labeled,
                InputTransform.between(null, m.spec().inputNormalization(model)), topK, identity, null)
            .withColumn(PROCESSING_DATE, current_date()).observe("scores", count(lit(1)).as("rows"));
        Dataset<Row> rejects = decoded.filter(col("reason").isNotNull())
            .select(col(DatasetSchema.ID), col("source"), col("reason")).withColumn(PROCESSING_DATE, current_date())
            .observe("rejects", count(lit(1)).as("rows"));
        org.apache.spark.sql.streaming.Trigger when = streamTrigger();
        StreamProgress progress = new StreamProgress(out);
        spark.streams().addListener(progress);
        List<StreamingQuery> queries = new ArrayList<>();
        try {
            queries.add(scores.writeStream().queryName("scores").format("parquet").partitionBy(PROCESSING_DATE)
                .options(PARQUET_OPTIONS)
                .option("checkpointLocation", new Path(checkpoints, "scores").toString()).trigger(when)
                .start(output));
            queries.add(rejects.writeStream().queryName("rejects").format("parquet").partitionBy(PROCESSING_DATE)
                .option("checkpointLocation", new Path(checkpoints, "rejects").toString()).trigger(when)
                .start(new Path(outPath, REJECTS).toString()));
            // until every query has stopped: one that fails stops the others and the job
            while (queries.stream().anyMatch(StreamingQuery::isActive)) {
                spark.streams().awaitAnyTermination(); // throws a failed query's exception
                spark.streams().resetTerminated();
            }
            for (StreamingQuery q : queries) {
                if (q.exception().isDefined()) {
                    throw q.exception().get();
                }
            }
        } catch (org.apache.spark.sql.streaming.StreamingQueryException e) {
            throw new IllegalStateException("the scoring stream failed: " + e.getMessage(), e);
        } finally {
            for (StreamingQuery q : queries) {
                try {
                    q.stop();
                } catch (java.util.concurrent.TimeoutException e) {
                    out.println("could not stop the query " + q.name() + " in time: " + e.getMessage());
                }
            }
            // the listener hears of the last batches on Spark's listener thread: let it catch up
            try {
                spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
            } catch (java.util.concurrent.TimeoutException e) {
                out.println("the counts below may miss the last batches: " + e.getMessage());
            }
            spark.streams().removeListener(progress);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%nthe stream stopped after %.1f s: %d rows scored, %d rejected in this run%noutput: %s%n", seconds,
            progress.rows("scores"), progress.rows("rejects"), output);
        return new Summary(output, progress.rows("scores"), progress.rows("rejects"), seconds, sha);
    }

    /** The model of --model, checked against --top-k. */
    private ModelDirectory readModel(HadoopFiles files) throws IOException {
        ModelDirectory m = ModelStore.read(files, model);
        int classes = m.spec().classNames().size();
        if (topK > classes) {
            throw new IllegalArgumentException("--top-k " + topK + " is more than the model's " + classes + " classes");
        }
        return m;
    }

    /** The partition column of a stream's output. */
    public static final String PROCESSING_DATE = "processing_date";

    /** Prints a line per micro-batch of the scoring stream's queries and counts their rows (their observed metrics). */
    static final class StreamProgress extends org.apache.spark.sql.streaming.StreamingQueryListener {
        private final PrintStream out;
        private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> rows =
            new java.util.concurrent.ConcurrentHashMap<>();

        StreamProgress(PrintStream out) {
            this.out = out;
        }

        long rows(String query) {
            var n = rows.get(query);
            return n == null ? 0 : n.get();
        }

        @Override
        public void onQueryStarted(QueryStartedEvent event) {
        }

        @Override
        public void onQueryProgress(QueryProgressEvent event) {
            var p = event.progress();
            Row observed = p.observedMetrics().get(p.name());
            if (observed == null) {
                return; // another query of the session, or a batch that read nothing
            }
            long written = observed.getLong(0);
            rows.computeIfAbsent(p.name(), k -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(written);
            if (p.numInputRows() > 0) {
                out.printf("%s: batch %d read %d rows, wrote %d (%.0f rows/s)%n", p.name(), p.batchId(), p.numInputRows(),
                    written, p.processedRowsPerSecond());
            }
        }

        @Override
        public void onQueryTerminated(QueryTerminatedEvent event) {
        }
    }

    /** Unique ids and probabilities never fit a dictionary: trying costs write time, saves nothing. */
    private static final Map<String, String> PARQUET_OPTIONS = Map.of(
        "parquet.enable.dictionary#" + DatasetSchema.ID, "false",
        "parquet.enable.dictionary#" + Scorer.PROBABILITY + ".list.element", "false");

    private org.apache.spark.sql.DataFrameWriter<Row> writer(Dataset<Row> scores) {
        return switch (outputFormat) {
            case parquet -> scores.write().mode(SaveMode.Append).format("parquet").options(PARQUET_OPTIONS);
            case json -> scores.write().mode(SaveMode.Append).format("json");
            case csv -> {
                // CSV has no arrays: they are written as JSON text
                List<Column> cols = new ArrayList<>();
                for (String c : scores.columns()) {
                    boolean array = scores.schema().apply(c).dataType() instanceof org.apache.spark.sql.types.ArrayType;
                    cols.add(array ? to_json(col(c)).as(c) : col(c));
                }
                yield scores.select(cols.toArray(new Column[0])).write().mode(SaveMode.Append).format("csv")
                    .option("header", true);
            }
        };
    }

    private static long observedRows(Observation o) {
        try {
            return (Long) o.getAsJava().get("rows");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the row count", e);
        }
    }
}
