package org.sparknn.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ops/run-local's class-data archive (an integration test: it needs the packaged application
 * jar). The first run writes the archive; a later run maps it, also after a rebuild gave the jars
 * a new time (with {@code -Xshare:on} the JVM refuses to start on an archive it cannot use, so
 * this fails if the archive does not fit the classpath run-local builds); a failed run or
 * {@code SPARK_NN_CDS=0} leaves none.
 */
class RunLocalIT {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final String WRITING = "writes a class-data archive";

    record Run(int exitCode, String output) {
    }

    static Run runLocal(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = Stream.concat(Stream.of(ROOT.resolve("ops/run-local").toString()), Stream.of(args)).toList();
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().remove("SPARK_NN_EXTRA_CP");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("ops/run-local did not finish:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    static List<Path> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void firstRunWritesTheArchiveAndLaterRunsMapIt(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("classes.jsa");
        Run first = runLocal(Map.of("SPARK_NN_CDS_ARCHIVE", archive.toString()), "org.sparknn.jobs.ScoreJob", "--help");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains(WRITING), first.output());
        assertTrue(Files.size(archive) > 0, "no archive written");
        assertEquals(List.of(), leftovers(dir));

        // a rebuild rewrites the jars with the same bytes and a new time: the archive still serves
        try (Stream<Path> jars = Files.list(ROOT.resolve("jobs/target"))) {
            for (Path jar : jars.filter(f -> f.getFileName().toString().startsWith("spark-nn-app-")).toList()) {
                Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis()));
            }
        }
        Map<String, String> mustMap = Map.of("SPARK_NN_CDS_ARCHIVE", archive.toString(), "SPARK_NN_JAVA_OPTS", "-Xshare:on");
        Run second = runLocal(mustMap, "org.sparknn.jobs.ScoreJob", "--help");
        assertEquals(0, second.exitCode(), second.output());
        assertFalse(second.output().contains(WRITING), second.output());
        assertTrue(second.output().contains("Usage: ScoreJob"), second.output());
    }

    @Test
    void aFailedRunOrCdsOffLeavesNoArchive(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("failed.jsa");
        Run failed = runLocal(Map.of("SPARK_NN_CDS_ARCHIVE", archive.toString()), "org.sparknn.jobs.ScoreJob", "--no-such-option");
        assertEquals(2, failed.exitCode(), failed.output());
        assertFalse(Files.exists(archive), "a failed run left an archive");
        assertEquals(List.of(), leftovers(dir));

        Path off = dir.resolve("off.jsa");
        Run without = runLocal(Map.of("SPARK_NN_CDS_ARCHIVE", off.toString(), "SPARK_NN_CDS", "0"),
            "org.sparknn.jobs.ScoreJob", "--help");
        assertEquals(0, without.exitCode(), without.output());
        assertFalse(without.output().contains(WRITING), without.output());
        assertFalse(Files.exists(off), "SPARK_NN_CDS=0 wrote an archive");
    }
}
