package org.sparknn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The real-MNIST subset under data-prep's test resources (6,000 training and 1,000 test images,
 * gzipped IDX; origin in its README), copied to a directory so Spark can read it also when the
 * resources come from the test jar.
 */
public final class TestData {
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    public static final int TRAIN_ROWS = 6000;
    public static final int TEST_ROWS = 1000;

    private static Path dir;

    private TestData() {
    }

    /** The directory holding the four subset files. */
    public static synchronized Path mnistSubset() {
        if (dir == null) {
            try {
                Path d = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "mnist-subset"));
                for (String f : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
                    try (InputStream in = TestData.class.getResourceAsStream("/mnist-subset/" + f)) {
                        if (in == null) {
                            throw new IllegalStateException("test resource /mnist-subset/" + f + " is missing");
                        }
                        Files.copy(in, d.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    public static String path(String file) {
        return mnistSubset().resolve(file).toString();
    }
}
