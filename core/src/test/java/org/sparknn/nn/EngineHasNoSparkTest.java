package org.sparknn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine (org.sparknn.nn, in this module) stays pure Java: no Spark, Scala or Hadoop import in
 * any of its sources. ArchitectureTest checks the same on the compiled classes of every module,
 * with the other package arrows.
 */
class EngineHasNoSparkTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
        "^\\s*import\\s+(static\\s+)?(org\\.apache\\.(spark|hadoop)|scala)\\.", Pattern.MULTILINE);

    @Test
    void engineSourcesImportNoSparkScalaOrHadoop() throws IOException {
        Path root = Path.of("src/main/java/org/sparknn/nn");
        assertTrue(Files.isDirectory(root), "engine sources not found at " + root.toAbsolutePath());
        List<Path> sources;
        try (Stream<Path> s = Files.walk(root)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() >= 10, "expected the engine's sources, found " + sources.size());
        List<String> offenders = sources.stream().filter(p -> {
            try {
                return FORBIDDEN.matcher(Files.readString(p)).find();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).map(Path::toString).toList();
        assertEquals(List.of(), offenders);
    }

    @Test
    void theCheckRecognizesAnImport() {
        assertTrue(FORBIDDEN.matcher("package x;\nimport org.apache.spark.sql.Row;\n").find());
        assertTrue(FORBIDDEN.matcher("import static scala.Predef.println;").find());
        assertTrue(FORBIDDEN.matcher("import org.apache.hadoop.fs.Path;").find());
    }
}
