package org.sparknn.spark.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.evaluation.MulticlassMetrics;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.spark.input.ImageRow;
import scala.Tuple4;

/**
 * A model's classification metrics on labeled rows, computed by Spark's {@link MulticlassMetrics}
 * in one pass: log loss (the cross-entropy of the predicted probabilities), accuracy, the confusion
 * matrix (rows: true class, columns: predicted class), per-class precision, recall and F1, and
 * their macro (unweighted mean over the classes present in labels or predictions) and weighted
 * (by true-class support) averages.
 */
public record Evaluation(long rows, double loss, double accuracy, List<String> classNames, long[][] confusion,
                         List<ClassMetrics> perClass, Average macro, Average weighted) {

    /** One class's figures; precision, recall and F1 are null for a class absent from labels and predictions. */
    public record ClassMetrics(int index, String name, long support, long predicted, Double precision, Double recall,
                               Double f1) {
    }

    public record Average(double precision, double recall, double f1) {
    }

    /**
     * @param scored rows with {@link Scorer#LABEL}, {@link Scorer#PREDICTION} and {@link Scorer#PROBABILITY}
     */
    public static Evaluation of(Dataset<Row> scored, List<String> classNames) {
        JavaRDD<Tuple4<Object, Object, Object, double[]>> triples = scored
            .select(Scorer.PREDICTION, DatasetSchema.LABEL, Scorer.PROBABILITY).javaRDD()
            .map(r -> {
                if (r.isNullAt(1)) {
                    throw new IllegalArgumentException("a row without a label cannot be evaluated");
                }
                List<Float> p = r.getList(2);
                double[] probability = new double[p.size()];
                for (int i = 0; i < probability.length; i++) {
                    probability[i] = p.get(i);
                }
                return new Tuple4<>((double) r.getInt(0), (double) r.getInt(1), 1.0, probability);
            });
        MulticlassMetrics m = new MulticlassMetrics(triples.rdd());
        double[] labels = m.labels();
        if (labels.length == 0) {
            throw new IllegalArgumentException("no rows to evaluate");
        }
        int n = classNames.size();
        long[][] confusion = new long[n][n];
        Matrix cm = m.confusionMatrix();
        long rows = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < labels.length; j++) {
                long c = Math.round(cm.apply(i, j));
                confusion[(int) labels[i]][(int) labels[j]] = c;
                rows += c;
            }
        }
        List<ClassMetrics> perClass = new ArrayList<>();
        double macroP = 0;
        double macroR = 0;
        double macroF = 0;
        for (int c = 0; c < n; c++) {
            long support = 0;
            long predicted = 0;
            for (int k = 0; k < n; k++) {
                support += confusion[c][k];
                predicted += confusion[k][c];
            }
            if (support == 0 && predicted == 0) {
                perClass.add(new ClassMetrics(c, classNames.get(c), 0, 0, null, null, null));
                continue;
            }
            double p = m.precision(c);
            double r = m.recall(c);
            double f = m.fMeasure(c);
            perClass.add(new ClassMetrics(c, classNames.get(c), support, predicted, p, r, f));
            macroP += p;
            macroR += r;
            macroF += f;
        }
        int present = labels.length;
        return new Evaluation(rows, m.logLoss(1e-15), m.accuracy(), List.copyOf(classNames), confusion, perClass,
            new Average(macroP / present, macroR / present, macroF / present),
            new Average(m.weightedPrecision(), m.weightedRecall(), m.weightedFMeasure()));
    }

    /**
     * The {@code n} misclassified rows the model was most sure of, most confident first, with
     * their raw pixels (the dataset's normalization undone) for display.
     *
     * @param scored the scorer's output (id, label, prediction, probability)
     * @param rows   the rows that were scored, for their features
     */
    public static List<Mistake> mostConfidentMistakes(Dataset<Row> scored, Dataset<ImageRow> rows,
                                                                              org.sparknn.dataset.DatasetMetadata meta, int n) {
        if (n == 0) {
            return List.of();
        }
        List<Row> worst = scored.filter(col(DatasetSchema.LABEL).notEqual(col(Scorer.PREDICTION)))
            .withColumn("p", element_at(col(Scorer.PROBABILITY), col(Scorer.PREDICTION).plus(1)))
            .orderBy(col("p").desc(), col(DatasetSchema.ID))
            .select(DatasetSchema.ID, DatasetSchema.LABEL, Scorer.PREDICTION, "p")
            .limit(n).collectAsList();
        List<String> ids = new ArrayList<>();
        worst.forEach(r -> ids.add(r.getString(0)));
        java.util.Map<String, float[]> pixels = new java.util.HashMap<>();
        for (ImageRow r : rows.filter(col(DatasetSchema.ID).isin(ids.toArray())).collectAsList()) {
            float[] x = r.getFeatures();
            meta.normalization().invertInPlace(x, meta.channels());
            pixels.put(r.getId(), x);
        }
        List<Mistake> out = new ArrayList<>();
        for (Row r : worst) {
            out.add(new Mistake(r.getString(0), r.getInt(1), r.getInt(2), r.getFloat(3),
                pixels.get(r.getString(0))));
        }
        return out;
    }

    /** The figures as a fixed-width text table. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "rows %d, loss %.4f, accuracy %.4f%n%n", rows, loss, accuracy));
        int w = Math.max(8, classNames.stream().mapToInt(String::length).max().orElse(0) + 1);
        String row = "%-" + w + "s %9s %9s %9s %9s%n";
        s.append(String.format(Locale.ROOT, row, "class", "precision", "recall", "f1", "support"));
        for (ClassMetrics c : perClass) {
            s.append(String.format(Locale.ROOT, row, c.name(), fmt(c.precision()), fmt(c.recall()), fmt(c.f1()), c.support()));
        }
        s.append(String.format(Locale.ROOT, row, "macro", fmt(macro.precision()), fmt(macro.recall()), fmt(macro.f1()), rows));
        s.append(String.format(Locale.ROOT, row, "weighted", fmt(weighted.precision()), fmt(weighted.recall()),
            fmt(weighted.f1()), rows));
        s.append(String.format("%nconfusion matrix (rows: true class, columns: predicted class)%n"));
        int cw = Math.max(w, String.valueOf(rows).length() + 1);
        s.append(String.format("%-" + w + "s", ""));
        for (String name : classNames) {
            s.append(String.format("%" + cw + "s", name));
        }
        s.append(System.lineSeparator());
        for (int i = 0; i < confusion.length; i++) {
            s.append(String.format("%-" + w + "s", classNames.get(i)));
            for (long c : confusion[i]) {
                s.append(String.format("%" + cw + "d", c));
            }
            s.append(System.lineSeparator());
        }
        return s.toString();
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
