package org.sparknn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparknn.dataprep.IdxSource;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.SparkJob;
import org.sparknn.nn.io.InvalidFileException;
import org.sparknn.spark.store.ModelStore;
import org.sparknn.testing.TestData;
import org.sparknn.testing.TestSpark;
import picocli.CommandLine.Command;

/**
 * Input errors (a corrupted model file, a truncated gzip IDX file) reach the console as one line
 * that names the file, exit with 2 as a bad option does, and show their stack trace only with
 * --verbose. The failing code is the jobs' own (reading a model, opening an IDX pair), run inside
 * a command with the jobs' error handling, in the shared session (a job's main would stop it).
 */
class InputErrorsTest {
    @TempDir
    Path dir;

    private final HadoopFiles files = new HadoopFiles(TestSpark.session().sparkContext().hadoopConfiguration());

    @Command(name = "failing")
    static final class Failing implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        SparkJob.Verbose verbose;
        Callable<Integer> body;

        @Override
        public Integer call() throws Exception {
            return body.call();
        }
    }

    private record Outcome(int code, String err) {
    }

    private static Outcome run(Callable<Integer> body, String... args) {
        Failing f = new Failing();
        f.body = body;
        StringWriter err = new StringWriter();
        int code = SparkJob.execute(f, args, new PrintWriter(err));
        return new Outcome(code, err.toString());
    }

    private String corruptedModel() throws IOException {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Path source = Path.of(JobFixtures.model());
        for (String name : new String[] {"spec.json", "weights.bin"}) {
            Files.copy(source.resolve(name), model.resolve(name));
        }
        byte[] w = Files.readAllBytes(model.resolve("weights.bin"));
        w[w.length / 2] ^= 0x40;
        Files.write(model.resolve("weights.bin"), w);
        return model.toString();
    }

    @Test
    void aCorruptedModelFileIsOneLineAndExitCode2() throws IOException {
        String model = corruptedModel();
        InvalidFileException thrown = assertThrows(InvalidFileException.class, () -> ModelStore.read(files, model));
        assertTrue(thrown.getMessage().contains("weights.bin: corrupted: CRC32"), thrown.getMessage());

        Outcome o = run(() -> {
            ModelStore.read(files, model);
            return 0;
        });
        assertEquals(2, o.code());
        assertEquals("error: " + thrown.getMessage(), o.err().strip());
        assertFalse(o.err().contains("\tat "), o.err());

        Outcome verbose = run(() -> {
            ModelStore.read(files, model);
            return 0;
        }, "--verbose");
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().startsWith("error: " + thrown.getMessage()), verbose.err());
        assertTrue(verbose.err().contains("\tat org.sparknn.nn.io.FloatArrayFile.read"), verbose.err());
    }

    @Test
    void aTruncatedGzipIdxFileNamesTheFile() throws IOException {
        byte[] compressed = Files.readAllBytes(Path.of(TestData.path(TestData.TRAIN_IMAGES)));
        Path gz = dir.resolve("train-images-idx3-ubyte.gz");
        Files.write(gz, java.util.Arrays.copyOf(compressed, compressed.length * 2 / 3));

        Outcome o = run(() -> {
            new IdxSource(files, gz.toString(), TestData.path(TestData.TRAIN_LABELS));
            return 0;
        });
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().startsWith("error: "), o.err());
        assertTrue(o.err().contains(gz + ": the gzip file is truncated"), o.err());
        assertTrue(o.err().contains("expected a complete gzip file"), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    @Test
    void anInputErrorInsideASparkTaskFailureIsStillOneLine() {
        Outcome o = run(() -> {
            throw new SparkException("Job aborted due to stage failure",
                new java.io.UncheckedIOException(new InvalidFileException("/data/x.bin: truncated: the file ends early")));
        });
        assertEquals(2, o.code());
        assertEquals("error: /data/x.bin: truncated: the file ends early", o.err().strip());
    }

    @Test
    void otherFailuresKeepTheirStackTraceAndExitCode1() {
        Outcome o = run(() -> {
            throw new IllegalStateException("a defect");
        });
        assertEquals(1, o.code());
        assertTrue(o.err().contains("\tat "), o.err());
    }
}
