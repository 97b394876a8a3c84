package org.sparknn.jobs;


import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.ProgressReporter;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.report.Report;
import org.sparknn.spark.input.DatasetInput;
import org.sparknn.spark.score.Evaluation;
import org.sparknn.spark.score.Scorer;
import org.sparknn.spark.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Evaluates a model on a labeled split and writes the metrics and the HTML report. */
@Command(name = "EvaluateJob", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Scores a labeled split of a spark-nn dataset with a model directory and computes, with Spark's",
        "MulticlassMetrics: loss, accuracy, the confusion matrix, per-class precision/recall/F1 and their macro",
        "and weighted averages. Prints them as a table, writes them as JSON (evaluation.json in the model",
        "directory by default) and rebuilds the model's HTML report (report.html) with the confusion matrix",
        "and the most confident mistakes.", ""})
public final class EvaluateJob implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    SparkJob.Verbose verbose;
    @Option(names = "--model", required = true, description = "Model directory (spec.json, weights.bin).")
    String model;
    @Option(names = "--dataset", required = true, description = "Dataset directory written by IngestImagesJob.")
    String dataset;
    @Option(names = "--split", defaultValue = "test", description = "The labeled split to evaluate on (default: ${DEFAULT-VALUE}).")
    String split;
    @Option(names = "--output", description = "Metrics JSON file (default: <model>/evaluation.json, which the report uses).")
    String output;
    @Option(names = "--mistakes", defaultValue = "32", description = "Misclassified images shown in the report (default: ${DEFAULT-VALUE}).")
    int mistakes;
    @Option(names = "--no-report", description = "Do not rebuild the model's report.html.")
    boolean noReport;

    public static void main(String[] args) {
        SparkJob.main(new EvaluateJob(), args);
    }

    @Override
    public Integer call() throws Exception {
        validate();
        return SparkJob.inSession("spark-nn evaluate", spark -> run(spark, System.out));
    }

    void validate() {
        if (mistakes < 0 || mistakes > 1000) {
            throw new IllegalArgumentException("--mistakes must be between 0 and 1000, got " + mistakes);
        }
    }

    public Evaluation run(SparkSession spark, PrintStream out) throws IOException {
        validate();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelDirectory m = ModelStore.read(files, model);
        DatasetInput input = DatasetInput.read(spark, dataset, split, m.spec(), model);
        DatasetMetadata meta = input.metadata();
        if (!input.labeled()) {
            throw new IllegalArgumentException(dataset + ": the dataset is unlabeled; evaluation needs labels");
        }
        List<String> classNames = m.spec().classNames();
        if (!meta.classNames().equals(classNames.subList(0, meta.numClasses()))) {
            throw new IllegalArgumentException(dataset + " has the classes " + meta.classNames() + " but the model "
                + model + " has " + classNames);
        }
        Dataset<Row> scored = new Scorer(m).score(spark, input.frame(), true, input.transform(), 0)
            .persist(StorageLevel.MEMORY_AND_DISK());
        try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), "evaluate", out, 10_000)) {
            progress.step("scoring and counting " + split);
            Evaluation e = Evaluation.of(scored, classNames);
            out.printf("evaluation of %s on %s (%s)%n%s", model, dataset, split, e.table());

            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", "spark-nn-evaluation");
            doc.put("version", 1);
            doc.put("model", model);
            doc.put("modelSha256", ModelStore.weightsSha256(files, model));
            doc.put("dataset", dataset);
            doc.put("split", split);
            doc.put("evaluatedAt", Instant.now().toString());
            doc.put("sparkVersion", spark.version());
            doc.put("metrics", e);
            Path json = new Path(output != null ? output : new Path(model, ModelStore.EVALUATION).toString());
            files.replace(json, ModelStore.json(doc).getBytes(StandardCharsets.UTF_8));
            out.println("metrics written to " + json);

            if (!noReport) {
                progress.step("drawing the report");
                Report report = new Report(files, model);
                report.writeMistakes(Evaluation.mostConfidentMistakes(scored, input.rows(), meta, mistakes),
                    meta.channels(), meta.height(), meta.width(), classNames);
                if (output == null) {
                    out.println("report written to " + report.render());
                } else {
                    out.println("report not rebuilt: it reads <model>/" + ModelStore.EVALUATION + ", and --output points elsewhere");
                }
            }
            return e;
        } finally {
            scored.unpersist();
        }
    }
}
