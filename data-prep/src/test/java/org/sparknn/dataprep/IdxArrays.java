package org.sparknn.dataprep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.sparknn.io.HadoopFiles;
import org.sparknn.nn.spec.Normalization;

/**
 * An IDX image/label pair (raw or gzipped) read into plain arrays on one machine, without Spark:
 * for the engine's tests and benchmarks. Values are scaled to [0, 1]; the header checks are
 * {@link IdxSource}'s.
 *
 * @param x      {@code count x height x width} values, row-major
 * @param labels one label per image
 */
public record IdxArrays(float[] x, int[] labels, int count, int height, int width) {

    /** Reads at most {@code limit} images (all when {@code limit} is negative). */
    public static IdxArrays read(Path images, Path labels, int limit) throws IOException {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        try (InputStream img = files.openAt(new org.apache.hadoop.fs.Path(images.toUri()), 0);
             InputStream lab = files.openAt(new org.apache.hadoop.fs.Path(labels.toUri()), 0)) {
            IdxHeader ih = IdxHeader.read(images.toString(), img, 3);
            IdxHeader lh = IdxHeader.read(labels.toString(), lab, 1);
            if (ih.count() != lh.count()) {
                throw new IdxFormatException(String.format("%s has %d labels but %s has %d images: the counts must match",
                    labels, lh.count(), images, ih.count()));
            }
            int n = limit < 0 ? ih.count() : Math.min(limit, ih.count());
            int size = (int) ih.itemBytes();
            byte[] pixels = img.readNBytes(n * size);
            byte[] y = lab.readNBytes(n);
            if (pixels.length != n * size || y.length != n) {
                throw new IdxFormatException(images + " / " + labels + ": truncated: expected " + n + " items");
            }
            float[] x = new float[n * size];
            for (int i = 0; i < x.length; i++) {
                x[i] = (pixels[i] & 0xFF) * (float) Normalization.PIXEL_SCALE;
            }
            int[] labelsOut = new int[n];
            for (int i = 0; i < n; i++) {
                labelsOut[i] = y[i] & 0xFF;
            }
            return new IdxArrays(x, labelsOut, n, ih.dims()[1], ih.dims()[2]);
        }
    }
}
