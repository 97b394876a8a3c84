package org.sparknn.dataprep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing over an existing output, with runs killed between its renames. */
class AtomicOutputTest {
    @TempDir
    java.nio.file.Path dir;

    private final HadoopFiles files = new HadoopFiles(new Configuration());
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** Thrown by the hook where a kill would stop the publishing JVM. */
    private static final class Killed extends IOException {
    }

    @AfterEach
    void noHook() {
        AtomicOutput.hook = step -> { };
    }

    private String target() {
        return dir.resolve("out").toString();
    }

    private void publish(String content) throws IOException {
        try (AtomicOutput out = new AtomicOutput(files, target(), true, new PrintStream(log))) {
            files.writeString(out.staging("data.txt"), content);
            out.publish();
        }
    }

    /** Publishes {@code content}, killed at {@code step}: the staging directory stays, as after a kill. */
    private void publishKilledAt(AtomicOutput.Step step, String content) throws IOException {
        AtomicOutput.hook = s -> {
            if (s == step) {
                throw new Killed();
            }
        };
        AtomicOutput out = new AtomicOutput(files, target(), true, new PrintStream(log));
        files.writeString(out.staging("data.txt"), content);
        assertThrows(Killed.class, out::publish);
        AtomicOutput.hook = s -> { };
    }

    private String content() throws IOException {
        return Files.readString(dir.resolve("out/data.txt"));
    }

    private List<String> names() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    private List<String> oldOutputs() throws IOException {
        return names().stream().filter(n -> n.startsWith(".out.old-")).toList();
    }

    @Test
    void replacesAndLeavesNothingBehind() throws IOException {
        publish("one");
        publish("two");
        assertEquals("two", content());
        assertEquals(List.of("out"), names());
    }

    @Test
    void killedAfterMovingTheOldAsideIsRestoredByTheNextRun() throws IOException {
        publish("old");
        publishKilledAt(AtomicOutput.Step.OLD_MOVED_ASIDE, "new");
        // the instant of the kill: nothing at the target, the old output at a named .old- path
        assertFalse(Files.exists(dir.resolve("out")));
        List<String> old = oldOutputs();
        assertEquals(1, old.size(), names().toString());
        assertEquals("old", Files.readString(dir.resolve(old.get(0)).resolve("data.txt")));

        // the next run (one that does not overwrite) finds the old output back in place
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new AtomicOutput(files, target(), false, new PrintStream(log)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("old", content());
        assertEquals(List.of(), oldOutputs());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("restored " + new Path(target())), log.toString());
    }

    @Test
    void killedAfterPlacingTheNewOutputLeavesItAndTheNextRunDeletesTheOld() throws IOException {
        publish("old");
        publishKilledAt(AtomicOutput.Step.NEW_IN_PLACE, "new");
        assertEquals("new", content());
        assertEquals(1, oldOutputs().size());

        publish("newer");
        assertEquals("newer", content());
        assertEquals(List.of(), oldOutputs());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("deleted "), log.toString());
    }

    @Test
    void aNonOverwritingRunRefusesAnExistingTarget() throws IOException {
        publish("one");
        assertThrows(IllegalArgumentException.class, () -> new AtomicOutput(files, target(), false));
        assertEquals("one", content());
    }
}
