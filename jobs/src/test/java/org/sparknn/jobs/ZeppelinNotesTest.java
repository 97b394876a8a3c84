package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparknn.testing.TestSpark;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Every Zeppelin note in notebooks-zeppelin/ is valid note JSON, and its %spark paragraphs compile
 * and run, in order and in one interpreter session as in Zeppelin, with the Scala 2.13 REPL
 * compiler against the project's classes, a local SparkSession as {@code spark} and a stand-in for
 * {@code z}, on the real-MNIST test dataset and model. An API change that breaks a note fails here.
 */
class ZeppelinNotesTest {
    static final Path NOTES = Path.of(System.getProperty("user.dir")).getParent().resolve("notebooks-zeppelin");

    static Stream<Path> notes() throws IOException {
        try (Stream<Path> s = Files.list(NOTES)) {
            List<Path> notes = s.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
            assertEquals(3, notes.size(), "explore, train and score notes");
            return notes.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("notes")
    void noteIsValidAndItsSparkParagraphsRun(Path file) throws Exception {
        JsonNode note = new ObjectMapper().readTree(file.toFile());
        String id = note.get("id").asText();
        assertTrue(id.matches("[A-Z0-9]{9}"), "note id " + id);
        assertTrue(file.getFileName().toString().endsWith("_" + id + ".zpln"), "file named <name>_<id>.zpln");
        assertEquals("spark", note.get("defaultInterpreterGroup").asText());
        assertFalse(note.get("name").asText().isBlank());
        assertTrue(note.get("paragraphs").isArray() && note.get("paragraphs").size() > 1);
        Set<String> ids = new HashSet<>();
        for (JsonNode p : note.get("paragraphs")) {
            assertTrue(ids.add(p.get("id").asText()), "paragraph ids are unique");
            String text = p.get("text").asText();
            assertTrue(text.startsWith("%md\n") || text.startsWith("%spark\n"), "a %md or %spark paragraph: " + text);
            assertTrue(p.get("config").has("editorSetting") && p.has("settings") && p.has("status"));
        }

        ZeppelinStub z = new ZeppelinStub(Map.of(
            "dataset", JobFixtures.dataset(), "model", JobFixtures.model(), "training rows", "1200", "epochs", "1"));
        ZeppelinStub.install(z);
        IMain repl = repl();
        try {
            run(repl, "prelude", """
                val spark = org.sparknn.testing.TestSpark.session()
                val sc = spark.sparkContext
                val sqlContext = spark.sqlContext
                val z = org.sparknn.jobs.ZeppelinStub.current()
                import spark.implicits._
                import spark.sql
                """);
            int html = 0;
            for (JsonNode p : note.get("paragraphs")) {
                String text = p.get("text").asText();
                if (text.startsWith("%spark\n")) {
                    String out = run(repl, p.get("title").asText(), text.substring("%spark\n".length()));
                    if (text.contains("%html")) {
                        assertTrue(out.contains("%html <img alt=\"image grid\" src=\"data:image/png;base64,"),
                            p.get("title").asText() + " prints an image: " + out.substring(0, Math.min(200, out.length())));
                        html++;
                    }
                }
            }
            assertFalse(z.shown().isEmpty(), "the note shows tables");
            for (List<Row> table : z.shown()) {
                assertFalse(table.isEmpty(), "a shown table has rows");
            }
            assertTrue(html > 0 || !note.get("name").asText().contains("Explore"), "the explore note shows images");
        } finally {
            repl.close();
        }
    }

    /** The compiler's messages (errors name the line of the paragraph). */
    private static final StringWriter MESSAGES = new StringWriter();

    static IMain repl() {
        Settings settings = new Settings();
        settings.processArgumentString("-usejavacp -Yrepl-class-based -nowarn");
        return new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(MESSAGES, true)));
    }

    /** Interprets a paragraph; returns what it printed; fails with the compiler's messages. */
    static String run(IMain repl, String title, String code) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        MESSAGES.getBuffer().setLength(0);
        PrintStream ps = new PrintStream(printed, true, StandardCharsets.UTF_8);
        Results.Result r = scala.Console.withOut(ps, new scala.runtime.AbstractFunction0<Results.Result>() {
            @Override
            public Results.Result apply() {
                return repl.interpret(code);
            }
        });
        String out = printed.toString(StandardCharsets.UTF_8);
        if (r != Results.Success$.MODULE$) {
            fail("paragraph '" + title + "' did not run (" + r + "):\n" + out + MESSAGES + "\n" + code);
        }
        return out;
    }

    static {
        TestSpark.session();
    }
}
