package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparknn.spark.score.Evaluation;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine;

/** EvaluateJob and the HTML report on the real-MNIST subset, the report checked in headless Chromium. */
class EvaluateJobTest {

    static Evaluation evaluate(ByteArrayOutputStream log, String... args) throws IOException {
        EvaluateJob job = new EvaluateJob();
        new CommandLine(job).parseArgs(args);
        return job.run(TestSpark.session(), new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @Test
    void evaluatesWritesMetricsAndAReportThatLoadsInABrowser() throws Exception {
        Path model = JobFixtures.newDir("evaluated").resolve("model");
        copyTree(Path.of(JobFixtures.model()), model);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Evaluation e = evaluate(log, "--model", model.toString(), "--dataset", JobFixtures.dataset(), "--mistakes", "16");

        // the same figure the trainer computed on its own path (packed blocks, no Spark ML metrics)
        JsonNode training = new ObjectMapper().readTree(Files.readString(model.resolve("training.json")));
        assertEquals(training.get("test").get("accuracy").asDouble(), e.accuracy(), 1e-9);
        assertEquals(training.get("test").get("loss").asDouble(), e.loss(), 1e-4);
        assertEquals(1000, e.rows());
        long diagonal = 0;
        for (int c = 0; c < 10; c++) {
            diagonal += e.confusion()[c][c];
        }
        assertEquals(e.accuracy(), diagonal / 1000.0, 1e-12);

        JsonNode json = new ObjectMapper().readTree(Files.readString(model.resolve("evaluation.json")));
        assertEquals(e.accuracy(), json.get("metrics").get("accuracy").asDouble());
        assertEquals(10, json.get("metrics").get("perClass").size());
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("weighted") && printed.contains("confusion matrix"), printed);

        for (String png : List.of("loss.png", "accuracy.png", "confusion.png", "mistakes.png")) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(model.resolve("report").resolve(png)), 4);
            assertEquals("\u0089PNG", new String(head, StandardCharsets.ISO_8859_1), png);
        }
        Path html = model.resolve("report.html");
        String dom = renderInChromium(html);
        assertEquals("loaded", attribute(dom, "body", "data-images"), "every image loads");
        assertEquals(4, count(dom, "data-loaded=\"yes\""));

        // the check can fail: a missing image is reported on the page
        Files.delete(model.resolve("report").resolve("mistakes.png"));
        String broken = renderInChromium(html);
        assertEquals("1 missing", attribute(broken, "body", "data-images"));
        assertTrue(broken.contains("Image not found: report/mistakes.png"), broken);
    }

    @Test
    void unlabeledOrMismatchedInputIsAClearError() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> evaluate(new ByteArrayOutputStream(),
            "--model", JobFixtures.model(), "--dataset", JobFixtures.dataset(), "--split", "holdout"));
        assertEquals(JobFixtures.dataset() + ": the dataset has no 'holdout' split", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> evaluate(new ByteArrayOutputStream(),
            "--model", JobFixtures.dataset(), "--dataset", JobFixtures.dataset()));
        assertTrue(e.getMessage().endsWith("not a spark-nn model directory (spec.json is missing)"), e.getMessage());
    }

    /** The DOM after the page's load event, from headless Chromium (installed by ci/setup). */
    static String renderInChromium(Path html) throws IOException, InterruptedException {
        String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : "chromium";
        Path profile = Files.createTempDirectory("chromium-profile");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + profile, "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom",
            html.toUri().toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
            assertEquals(0, p.exitValue(), "chromium failed (is it installed? ci/setup installs Debian's chromium)");
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String attribute(String dom, String tag, String name) {
        Matcher m = Pattern.compile("<" + tag + "[^>]*\\s" + name + "=\"([^\"]*)\"").matcher(dom);
        return m.find() ? m.group(1) : null;
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
