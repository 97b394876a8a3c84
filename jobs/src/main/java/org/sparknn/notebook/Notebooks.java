package org.sparknn.notebook;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.report.ImageGrid;
import org.sparknn.report.Report;
import org.sparknn.spark.input.DatasetInput;
import org.sparknn.spark.input.ImageRow;
import org.sparknn.spark.score.Evaluation;
import org.sparknn.spark.score.Mistake;
import org.sparknn.spark.score.Scorer;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.spark.train.EpochMetrics;

/**
 * What the Zeppelin notes in notebooks-zeppelin/ call: small views of datasets and models as
 * DataFrames (for {@code z.show}) and HTML (for {@code %html} output). Notes hold no logic of
 * their own; everything they show comes from here and from the jobs' classes.
 */
public final class Notebooks {
    private Notebooks() {
    }

    /** Rows per class of a split: label, class, rows, share (percent). */
    public static Dataset<Row> classBalance(SparkSession spark, String dataset, String split) {
        DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
        List<String> names = meta.classNames();
        Dataset<Row> counts = DatasetSchema.readSplit(spark, dataset, split).groupBy(DatasetSchema.LABEL).agg(count(lit(1)).as("rows"));
        List<Row> classRows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            classRows.add(org.apache.spark.sql.RowFactory.create(i, names.get(i)));
        }
        Dataset<Row> classes = spark.createDataFrame(classRows, new org.apache.spark.sql.types.StructType()
            .add(DatasetSchema.LABEL, "int").add("class", "string"));
        return classes.join(counts, DatasetSchema.LABEL).crossJoin(counts.agg(sum("rows").as("total")))
            .withColumn("share", round(col("rows").multiply(100.0).divide(col("total")), 2))
            .select(DatasetSchema.LABEL, "class", "rows", "share").orderBy(DatasetSchema.LABEL);
    }

    /** An HTML grid of the first {@code perClass} images of each class of a split, one row per class. */
    public static String sampleGrid(SparkSession spark, String dataset, String split, int perClass) {
        DatasetMetadata meta = DatasetSchema.readMetadata(spark, dataset);
        List<Row> rows = DatasetSchema.normalizedFeatures(DatasetSchema.readSplit(spark, dataset, split))
            .withColumn("n", org.apache.spark.sql.functions.row_number()
                .over(Window.partitionBy(DatasetSchema.LABEL).orderBy(DatasetSchema.ID)))
            .filter(col("n").leq(perClass)).orderBy(DatasetSchema.LABEL, DatasetSchema.ID)
            .select(DatasetSchema.ID, DatasetSchema.LABEL, DatasetSchema.FEATURES).collectAsList();
        List<ImageGrid.Tile> tiles = new ArrayList<>();
        for (Row r : rows) {
            List<Float> values = r.getList(2);
            float[] x = new float[values.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = values.get(i);
            }
            meta.normalization().invertInPlace(x, meta.channels());
            tiles.add(new ImageGrid.Tile(x, meta.classNames().get(r.getInt(1)), r.getString(0)));
        }
        return ImageGrid.html(tiles, meta.channels(), meta.height(), meta.width(), perClass);
    }

    /** Per-epoch metrics as a DataFrame: epoch, loss, accuracy, val_loss, val_accuracy, seconds. */
    public static Dataset<Row> history(SparkSession spark, List<EpochMetrics> history) {
        List<Row> rows = new ArrayList<>();
        for (EpochMetrics m : history) {
            rows.add(org.apache.spark.sql.RowFactory.create(m.epoch(), m.loss(), m.accuracy(), m.valLoss(), m.valAccuracy(),
                m.seconds()));
        }
        return spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
            .add("epoch", "int").add("loss", "double").add("accuracy", "double").add("val_loss", "double")
            .add("val_accuracy", "double").add("seconds", "double"));
    }

    /** The per-epoch metrics of a trained Spark ML model. */
    public static Dataset<Row> history(SparkSession spark, org.sparknn.spark.ml.NeuralNetClassificationModel model) {
        return history(spark, model.history());
    }

    /** Scores a split of a dataset with a model directory, as ScoreJob does: id, label, prediction, class, probability. */
    public static Dataset<Row> score(SparkSession spark, String model, String dataset, String split) {
        ModelDirectory m = read(spark, model);
        DatasetInput in = DatasetInput.read(spark, dataset, split, m.spec(), model);
        return new Scorer(m).score(spark, in.frame(), in.labeled(), in.transform(), 3);
    }

    /** The confusion matrix in long form: true class, predicted class, rows; from scored rows. */
    public static Dataset<Row> confusion(Dataset<Row> scored) {
        return scored.groupBy(DatasetSchema.LABEL, Scorer.PREDICTION).agg(count(lit(1)).as("rows"))
            .orderBy(DatasetSchema.LABEL, Scorer.PREDICTION);
    }

    /** An HTML grid of the misclassified images of a split the model was most sure of. */
    public static String mistakesGrid(SparkSession spark, String model, String dataset, String split, int n) {
        ModelDirectory m = read(spark, model);
        DatasetInput in = DatasetInput.read(spark, dataset, split, m.spec(), model);
        Dataset<Row> scored = new Scorer(m).score(spark, in.frame(), in.labeled(), in.transform(), 0);
        Dataset<ImageRow> rows = in.rows();
        List<Mistake> mistakes = Evaluation.mostConfidentMistakes(scored, rows, in.metadata(), n);
        DatasetMetadata meta = in.metadata();
        return ImageGrid.html(Report.tiles(mistakes, m.spec().classNames()), meta.channels(), meta.height(), meta.width(), 8);
    }

    private static ModelDirectory read(SparkSession spark, String model) {
        try {
            return ModelStore.read(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model " + model, e);
        }
    }
}
