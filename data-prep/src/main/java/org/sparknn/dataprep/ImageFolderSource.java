package org.sparknn.dataprep;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparknn.io.HadoopFiles;

/**
 * A folder of PNG/JPEG images with one subfolder per class ({@code root/<class>/<file>}), read with
 * {@link ImageFiles}. Every file becomes a row: one that cannot be read or decoded, lies outside a
 * class folder, or has the wrong size (unless resizing was asked for) becomes a reject with its
 * reason. Files whose names start with '.' or '_' are hidden and not read.
 */
public final class ImageFolderSource {
    private ImageFolderSource() {
    }

    /** The image struct's fields and a reason, one row per listed file ({@link ImageFiles}). */
    static Dataset<Row> readImages(SparkSession spark, String root) throws IOException {
        return ImageFiles.read(spark, root);
    }

    /** Names of the class subfolders of {@code root}, sorted. */
    static List<String> classFolders(HadoopFiles files, String root) throws IOException {
        Path path = new Path(root);
        FileSystem fs = files.fs(path);
        if (!fs.exists(path) || !fs.getFileStatus(path).isDirectory()) {
            throw new IllegalArgumentException(root + ": not a directory (expected a folder with one subfolder per class)");
        }
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(path)) {
            String n = s.getPath().getName();
            if (s.isDirectory() && !n.startsWith(".") && !n.startsWith("_")) {
                names.add(n);
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * Most common image size of the readable images and the largest channel count:
     * {height, width, channels}, or null when no image is readable.
     */
    static int[] inferShape(Dataset<Row> images) {
        // counted per task and merged here: the sizes are few, a shuffle would cost more than the count
        Map<Long, long[]> groups = new java.util.HashMap<>();
        for (java.util.HashMap<Long, long[]> part : images.select("height", "width", "nChannels").javaRDD()
                .mapPartitions(ImageFolderSource::countSizes).collect()) {
            part.forEach((size, nc) -> groups.merge(size, nc, (a, b) -> new long[] {a[0] + b[0], Math.max(a[1], b[1])}));
        }
        int[] best = null;
        long bestCount = -1;
        int channels = 1;
        for (Map.Entry<Long, long[]> g : groups.entrySet()) {
            int h = (int) (g.getKey() >>> 32);
            int w = (int) (long) g.getKey();
            long n = g.getValue()[0];
            channels = Math.max(channels, g.getValue()[1] >= 3 ? 3 : 1);
            if (n > bestCount || (n == bestCount && (h < best[0] || (h == best[0] && w < best[1])))) {
                best = new int[] {h, w};
                bestCount = n;
            }
        }
        return best == null ? null : new int[] {best[0], best[1], channels};
    }

    /** The readable images of one task by {height, width}: their count and largest channel count. */
    private static java.util.Iterator<java.util.HashMap<Long, long[]>> countSizes(java.util.Iterator<Row> rows) {
        // mutable collections: task results travel through Kryo, which cannot build immutable ones
        java.util.HashMap<Long, long[]> counts = new java.util.HashMap<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            if (r.getInt(0) > 0) {
                long[] nc = counts.computeIfAbsent(((long) r.getInt(0) << 32) | r.getInt(1), k -> new long[2]);
                nc[0]++;
                nc[1] = Math.max(nc[1], r.getInt(2));
            }
        }
        List<java.util.HashMap<Long, long[]>> one = new ArrayList<>(1);
        one.add(counts);
        return one.iterator();
    }

    /**
     * Decodes the rows of {@link #readImages} into {@link DecodedRows#SCHEMA}.
     *
     * @param classNames the classes whose folders give labels, or null to read unlabeled images
     *                   anywhere under {@code root} (ids are then the paths relative to it)
     */
    static Dataset<Row> decode(SparkSession spark, Dataset<Row> images, String root, String split,
                               List<String> classNames, ImageDecoder decoder) {
        String rootPath = uriPath(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), root);
        Map<String, Integer> classIndex = classNames == null ? null : indexOf(classNames);
        int length = decoder.featureLength();
        JavaRDD<DecodedRows.Bean> rows = images.javaRDD().map(r -> {
            String origin = r.getString(0);
            String path = decodedPath(origin);
            String rel = path.startsWith(rootPath + "/") ? path.substring(rootPath.length() + 1) : path;
            String id = split.isEmpty() ? rel : split + "/" + rel;
            if (classIndex == null) {
                float[] values = new float[length];
                String reason = r.isNullAt(5) ? decoder.decode(r.getInt(1), r.getInt(2), r.getInt(3), (byte[]) r.get(4), values)
                    : r.getString(5);
                return new DecodedRows.Bean(id, null, reason == null ? values : null, origin, reason);
            }
            int slash = rel.indexOf('/');
            if (slash < 0) {
                return new DecodedRows.Bean(id, null, null, origin, "file is not inside a class folder of " + root);
            }
            Integer label = classIndex.get(rel.substring(0, slash));
            if (label == null) {
                return new DecodedRows.Bean(id, null, null, origin, "class folder '" + rel.substring(0, slash)
                    + "' is not one of the dataset's classes " + classNames);
            }
            if (!r.isNullAt(5)) {
                return new DecodedRows.Bean(id, label, null, origin, r.getString(5));
            }
            float[] values = new float[length];
            String reason = decoder.decode(r.getInt(1), r.getInt(2), r.getInt(3), (byte[]) r.get(4), values);
            return reason == null
                ? new DecodedRows.Bean(id, label, values, origin, null)
                : new DecodedRows.Bean(id, label, null, origin, reason);
        });
        return DecodedRows.of(spark, rows);
    }

    static Map<String, Integer> indexOf(List<String> names) {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        return index;
    }

    private static String uriPath(HadoopFiles files, String root) {
        try {
            Path p = new Path(root);
            return files.fs(p).makeQualified(p).toUri().getPath().replaceAll("/+$", "");
        } catch (IOException e) {
            throw HadoopFiles.unchecked("cannot resolve " + root, e);
        }
    }

    /** The file-system path of an image's origin URI, with any %-escapes decoded. */
    static String decodedPath(String origin) {
        try {
            return new URI(origin).getPath();
        } catch (URISyntaxException e) {
            return new Path(origin).toUri().getPath();
        }
    }
}
