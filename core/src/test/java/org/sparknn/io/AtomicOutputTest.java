package org.sparknn.io;

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

    static final AppAttempt FIRST = new AppAttempt("application_1_0001", "1");
    static final AppAttempt RETRY = new AppAttempt("application_1_0001", "2");
    static final AppAttempt OTHER_APP_RETRY = new AppAttempt("application_1_0002", "2");

    private AtomicOutput output(boolean overwrite, AppAttempt writer) throws IOException {
        return new AtomicOutput(files, target(), overwrite, writer, new PrintStream(log));
    }

    @Test
    void aRetryReplacesWhatItsLostFirstAttemptPublishedAndNothingElse() throws IOException {
        try (AtomicOutput out = output(false, FIRST)) {
            files.writeString(out.staging("data.txt"), "first");
            out.publish();
        }
        assertEquals(FIRST, AtomicOutput.writtenBy(files, new Path(target())));
        // the first attempt is lost after it published: its retry continues instead of refusing
        assertTrue(AtomicOutput.checkTarget(files, target(), false, RETRY));
        try (AtomicOutput out = output(false, RETRY)) {
            files.writeString(out.staging("data.txt"), "retry");
            out.publish();
        }
        assertEquals("retry", content());
        assertEquals(List.of("out"), names());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("which attempt 1 of application_1_0001 published"),
            log.toString());

        // another application, a first attempt, or an output without a marker: refused as before
        for (AppAttempt a : new AppAttempt[] {OTHER_APP_RETRY, FIRST, new AppAttempt("application_1_0001", null)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> output(false, a));
            assertTrue(e.getMessage().contains("already exists; pass --overwrite"), e.getMessage());
        }
        publish("unmarked");
        assertThrows(IllegalArgumentException.class, () -> AtomicOutput.checkTarget(files, target(), false, RETRY));
    }

    @Test
    void aRetryDeletesTheStagingItsLostAttemptLeftAndOnlyThat() throws IOException {
        AtomicOutput lost = output(false, FIRST);
        files.writeString(lost.staging("part-0"), "half");
        AtomicOutput otherApp = output(false, new AppAttempt("application_1_0002", "1"));
        // staging without a marker cannot be told from another writer's: it stays
        AtomicOutput markerless = output(false, FIRST);
        files.fs(markerless.stagingRoot()).delete(new Path(markerless.stagingRoot(), AppAttempt.MARKER), false);
        try (AtomicOutput out = output(false, RETRY)) {
            files.writeString(out.staging("data.txt"), "retry");
            out.publish();
        }
        List<String> left = names().stream().filter(n -> n.startsWith(".out.tmp-")).toList();
        assertEquals(2, left.size(), "the other application's and the unmarked staging stay: " + names());
        assertTrue(left.contains(otherApp.stagingRoot().getName()));
        assertTrue(left.contains(markerless.stagingRoot().getName()));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains(lost.stagingRoot().getName() + ", the unfinished output of an earlier attempt"), log.toString());

        // a writer that replaces the whole staging directory drops the marker; publish writes it again
        try (AtomicOutput out = output(true, FIRST)) {
            files.fs(out.stagingRoot()).delete(out.stagingRoot(), true);
            files.writeString(out.staging("data.txt"), "replaced");
            out.publish();
        }
        assertEquals(FIRST, AtomicOutput.writtenBy(files, new Path(target())));
    }
}
