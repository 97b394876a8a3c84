package org.sparknn.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.io.ModelDirectory;
import org.sparknn.spark.score.Mistake;
import org.sparknn.spark.store.ModelStore;

/**
 * The HTML report of a model directory: {@code report.html} with PNG images under
 * {@code report/}. It is rebuilt from what the directory holds: the training curves from
 * {@code training.json}, the metrics and confusion matrix from {@code evaluation.json}, and the grid
 * of misclassified images that the evaluation drew ({@code report/mistakes.png}). Plain files that
 * open in a browser from the file system, with no server and nothing fetched from the network.
 * Every file is written under a temporary name and renamed into place.
 */
public final class Report {
    public static final String HTML = "report.html";
    public static final String DIR = "report";
    static final String LOSS_PNG = "loss.png";
    static final String ACCURACY_PNG = "accuracy.png";
    static final String CONFUSION_PNG = "confusion.png";
    static final String MISTAKES_PNG = "mistakes.png";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Color TRAIN = new Color(0x1f77b4);
    private static final Color VALIDATION = new Color(0xff7f0e);

    static {
        System.setProperty("java.awt.headless", "true");
    }
    private final HadoopFiles files;
    private final Path model;
    private final FileSystem fs;

    public Report(HadoopFiles files, String modelDir) throws IOException {
        this.files = files;
        this.model = new Path(modelDir);
        this.fs = files.fs(model);
    }

    /** Draws the grid of misclassified images, with true and predicted class names. */
    public void writeMistakes(List<Mistake> mistakes, int channels, int height, int width, List<String> classNames)
        throws IOException {
        files.replace(new Path(new Path(model, DIR), MISTAKES_PNG),
            ImageGrid.png(tiles(mistakes, classNames), channels, height, width, 8));
    }

    /** Grid cells for mistakes: "true A -> B" and the predicted class's probability. */
    public static List<ImageGrid.Tile> tiles(List<Mistake> mistakes, List<String> classNames) {
        List<ImageGrid.Tile> tiles = new ArrayList<>();
        for (Mistake m : mistakes) {
            tiles.add(new ImageGrid.Tile(m.pixels(), "true " + classNames.get(m.label()) + " \u2192 "
                + classNames.get(m.prediction()), String.format(Locale.ROOT, "p=%.2f", m.probability())));
        }
        return tiles;
    }

    /** Rebuilds the charts and {@code report.html} from the model directory's files. */
    public Path render() throws IOException {
        JsonNode training = readJson(ModelStore.TRAINING);
        JsonNode evaluation = readJson(ModelStore.EVALUATION);
        JsonNode spec = readJson(ModelDirectory.SPEC);
        Path dir = new Path(model, DIR);
        List<String> images = new ArrayList<>();
        if (training != null && training.path("history").size() > 0) {
            JsonNode history = training.get("history");
            files.replace(new Path(dir, LOSS_PNG), png(curve("Loss per epoch", "loss", history, "loss", "valLoss")));
            files.replace(new Path(dir, ACCURACY_PNG), png(curve("Accuracy per epoch", "accuracy", history, "accuracy",
                "valAccuracy")));
            images.add(LOSS_PNG);
            images.add(ACCURACY_PNG);
        }
        if (evaluation != null) {
            files.replace(new Path(dir, CONFUSION_PNG), png(confusion(evaluation.get("metrics"))));
        }
        String html = html(spec, training, evaluation, fs.exists(new Path(dir, MISTAKES_PNG)));
        Path target = new Path(model, HTML);
        files.replace(target, html.getBytes(StandardCharsets.UTF_8));
        return target;
    }

    private JsonNode readJson(String name) throws IOException {
        Path p = new Path(model, name);
        return fs.exists(p) ? JSON.readTree(files.readString(p)) : null;
    }

    private static byte[] png(JFreeChart chart) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, 640, chart.getPlot() instanceof XYPlot p
            && p.getRenderer() instanceof XYBlockRenderer ? 600 : 360);
        return out.toByteArray();
    }

    static JFreeChart curve(String title, String yLabel, JsonNode history, String trainKey, String valKey) {
        XYSeries train = new XYSeries("train");
        XYSeries val = new XYSeries("validation");
        for (JsonNode e : history) {
            train.add(e.get("epoch").asInt(), e.get(trainKey).asDouble());
            if (e.hasNonNull(valKey)) {
                val.add(e.get("epoch").asInt(), e.get(valKey).asDouble());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection(train);
        if (val.getItemCount() > 0) {
            data.addSeries(val);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", yLabel, data, PlotOrientation.VERTICAL, true,
            false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, TRAIN);
        r.setSeriesPaint(1, VALIDATION);
        plot.setRenderer(r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Cell colors by share of the true class (row), labels by count. */
    static JFreeChart confusion(JsonNode metrics) {
        List<String> names = new ArrayList<>();
        metrics.get("classNames").forEach(n -> names.add(n.asText()));
        int n = names.size();
        JsonNode cm = metrics.get("confusion");
        double[][] xyz = new double[3][n * n];
        XYBlockRenderer renderer = new XYBlockRenderer();
        List<XYTextAnnotation> labels = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            long rowSum = 0;
            for (JsonNode c : cm.get(t)) {
                rowSum += c.asLong();
            }
            for (int p = 0; p < n; p++) {
                long count = cm.get(t).get(p).asLong();
                int k = t * n + p;
                xyz[0][k] = p;
                xyz[1][k] = t;
                xyz[2][k] = rowSum == 0 ? 0 : (double) count / rowSum;
                if (count > 0 && n <= 30) {
                    XYTextAnnotation a = new XYTextAnnotation(String.valueOf(count), p, t);
                    a.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, n <= 12 ? 12 : 9));
                    a.setPaint(xyz[2][k] > 0.5 ? Color.WHITE : Color.BLACK);
                    labels.add(a);
                }
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("confusion", xyz);
        PaintScale scale = new BluePaintScale();
        renderer.setPaintScale(scale);
        SymbolAxis x = new SymbolAxis("predicted class", names.toArray(new String[0]));
        SymbolAxis y = new SymbolAxis("true class", names.toArray(new String[0]));
        y.setInverted(true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        labels.forEach(plot::addAnnotation);
        JFreeChart chart = new JFreeChart("Confusion matrix (colour: share of the true class)",
            new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, false);
        NumberAxis legendAxis = new NumberAxis("share");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** White (0) to dark blue (1). */
    private static final class BluePaintScale implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            double v = Math.max(0, Math.min(1, value));
            // sqrt keeps small off-diagonal shares visible
            double s = Math.sqrt(v);
            return new Color((int) Math.round(255 - s * (255 - 8)), (int) Math.round(255 - s * (255 - 48)),
                (int) Math.round(255 - s * (255 - 107)));
        }
    }

    private String html(JsonNode spec, JsonNode training, JsonNode evaluation, boolean mistakes) {
        StringBuilder h = new StringBuilder();
        String title = "spark-nn model " + model.getName();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(esc(title))
            .append("</title>\n<style>\n")
            .append("body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}")
            .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
            .append("th{background:#f3f3f3}td.k,th.k{text-align:left}img{max-width:100%;display:block;margin:1em 0}")
            .append(".missing{color:#b00;font-weight:bold}\n</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<table>\n");
        if (training != null) {
            row(h, "model", training.path("model").asText());
            row(h, "parameters", training.path("parameters").asText());
            row(h, "training dataset", training.path("dataset").asText());
            row(h, "training rows", training.path("trainingRows").asText());
            row(h, "epochs run", String.valueOf(training.path("history").size()));
            JsonNode cfg = training.path("config");
            row(h, "batch size", cfg.path("batchSize").asText());
            row(h, "optimizer", cfg.path("optimizer").toString());
            row(h, "learning rate", cfg.path("learningRate").toString());
            if (training.has("test")) {
                row(h, "test accuracy (training run)", String.format(Locale.ROOT, "%.4f",
                    training.get("test").get("accuracy").asDouble()));
            }
            row(h, "training time", String.format(Locale.ROOT, "%.1f s", training.path("seconds").path("train").asDouble()));
            row(h, "BLAS", training.path("blas").asText());
            row(h, "Spark", training.path("sparkVersion").asText() + " (" + training.path("sparkMaster").asText() + ")");
            row(h, "git revision", training.path("gitRevision").asText());
        } else if (spec != null) {
            row(h, "classes", String.valueOf(spec.path("classNames").size()));
        }
        h.append("</table>\n");
        if (training != null && training.path("history").size() > 0) {
            h.append("<h2>Training</h2>\n");
            img(h, LOSS_PNG, "Training and validation loss per epoch");
            img(h, ACCURACY_PNG, "Training and validation accuracy per epoch");
            h.append("<table>\n<tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th>"
                + "<th>learning rate</th><th>seconds</th><th>images/s</th></tr>\n");
            for (JsonNode e : training.get("history")) {
                h.append("<tr><td>").append(e.get("epoch").asInt()).append("</td>");
                for (String k : new String[] {"loss", "accuracy", "valLoss", "valAccuracy"}) {
                    h.append("<td>").append(e.hasNonNull(k) ? String.format(Locale.ROOT, "%.4f", e.get(k).asDouble()) : "-")
                        .append("</td>");
                }
                h.append(String.format(Locale.ROOT, "<td>%.2e</td><td>%.1f</td><td>%.0f</td></tr>%n",
                    e.path("learningRate").asDouble(), e.path("seconds").asDouble(), e.path("imagesPerSecond").asDouble()));
            }
            h.append("</table>\n");
        }
        if (evaluation != null) {
            JsonNode m = evaluation.get("metrics");
            h.append("<h2>Evaluation on ").append(esc(evaluation.path("dataset").asText())).append(" (")
                .append(esc(evaluation.path("split").asText())).append(")</h2>\n");
            h.append(String.format(Locale.ROOT, "<p>%d rows: accuracy <b>%.4f</b>, loss %.4f.</p>%n",
                m.get("rows").asLong(), m.get("accuracy").asDouble(), m.get("loss").asDouble()));
            h.append("<table>\n<tr><th class=\"k\">class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
            for (JsonNode c : m.get("perClass")) {
                h.append("<tr><td class=\"k\">").append(esc(c.get("name").asText())).append("</td>").append(cell(c, "precision"))
                    .append(cell(c, "recall")).append(cell(c, "f1")).append("<td>").append(c.get("support").asLong())
                    .append("</td></tr>\n");
            }
            for (String avg : new String[] {"macro", "weighted"}) {
                JsonNode a = m.get(avg);
                h.append("<tr><th class=\"k\">").append(avg).append(" average</th>").append(cell(a, "precision"))
                    .append(cell(a, "recall")).append(cell(a, "f1")).append("<td>").append(m.get("rows").asLong())
                    .append("</td></tr>\n");
            }
            h.append("</table>\n");
            img(h, CONFUSION_PNG, "Confusion matrix");
            if (mistakes) {
                h.append("<h2>Most confident mistakes</h2>\n");
                img(h, MISTAKES_PNG, "Misclassified images with their true and predicted classes");
            }
        }
        h.append("<script>\n")
            .append("// Marks every image as loaded or not, and says so on the page when one is missing.\n")
            .append("window.addEventListener('load', function () {\n")
            .append("  var missing = 0;\n")
            .append("  document.querySelectorAll('img').forEach(function (img) {\n")
            .append("    var ok = img.complete && img.naturalWidth > 0;\n")
            .append("    img.setAttribute('data-loaded', ok ? 'yes' : 'no');\n")
            .append("    if (!ok) {\n")
            .append("      missing++;\n")
            .append("      var p = document.createElement('p');\n")
            .append("      p.className = 'missing';\n")
            .append("      p.textContent = 'Image not found: ' + img.getAttribute('src');\n")
            .append("      img.after(p);\n")
            .append("    }\n")
            .append("  });\n")
            .append("  document.body.setAttribute('data-images', missing === 0 ? 'loaded' : missing + ' missing');\n")
            .append("});\n</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String cell(JsonNode n, String key) {
        return "<td>" + (n.hasNonNull(key) ? String.format(Locale.ROOT, "%.4f", n.get(key).asDouble()) : "-") + "</td>";
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th class=\"k\">").append(esc(key)).append("</th><td class=\"k\">").append(esc(value))
            .append("</td></tr>\n");
    }

    private static void img(StringBuilder h, String file, String alt) {
        h.append("<img src=\"").append(DIR).append('/').append(file).append("\" alt=\"").append(esc(alt)).append("\">\n");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
