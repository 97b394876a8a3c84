package org.sparknn.dataprep;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.io.HadoopFiles;

/**
 * The files of an image folder, every one accounted for: the driver lists the folder (recursively),
 * tasks read and decode the files, and each listed entry becomes exactly one row, decoded or with
 * the reason it could not be: an empty file, a file that cannot be opened or read, a file that is
 * not a PNG/JPEG image, a broken symbolic link, a directory named like an image file. Names
 * starting with '.' or '_' are hidden (not inputs), as for Spark's file sources.
 *
 * <p>Spark's {@code image} data source is not used: its file listing drops empty files and broken
 * links without a trace, and one file that cannot be opened fails the whole job.
 */
final class ImageFiles {
    /** One row per listed entry; a row with a reason has no image (height, width and channels -1). */
    static final StructType SCHEMA = new StructType()
        .add("origin", DataTypes.StringType, false)
        .add("height", DataTypes.IntegerType, false)
        .add("width", DataTypes.IntegerType, false)
        .add("nChannels", DataTypes.IntegerType, false)
        .add("data", DataTypes.BinaryType, true)
        .add("reason", DataTypes.StringType, true);

    /** What {@link #headers} gives per listed entry: the image's size and channels, -1s when unreadable. */
    static final StructType HEADER_SCHEMA = new StructType()
        .add("height", DataTypes.IntegerType, false)
        .add("width", DataTypes.IntegerType, false)
        .add("nChannels", DataTypes.IntegerType, false);

    /** Bytes of input per task: enough files that task overhead does not dominate. */
    static final long BYTES_PER_TASK = 32L << 20;

    /**
     * Files per task at most, however small: a task's files are read one by one, so this bounds a
     * task's time on folders of many small images, and lets progress advance task by task. Not
     * much fewer: every task of a stage that writes Parquet deserializes the job's Hadoop
     * configuration, which costs as much as reading a few hundred small images.
     */
    static final int FILES_PER_TASK = 4096;

    /** File name endings that make a directory look like an image file. */
    private static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

    /** A listed entry (a class, not a record: tasks carry it and Spark's Kryo cannot build records). */
    static final class Entry implements Serializable {
        private final String origin;
        private final long length;
        private final String reason;

        /**
         * @param origin the qualified path as a URI string (%-escaped)
         * @param length bytes, or -1 when not a file
         * @param reason why it cannot be read, known from the listing alone; null for a regular file
         */
        Entry(String origin, long length, String reason) {
            this.origin = origin;
            this.length = length;
            this.reason = reason;
        }

        String origin() {
            return origin;
        }

        long length() {
            return length;
        }

        String reason() {
            return reason;
        }
    }

    /** Files this JVM decoded (read whole and handed to the decoder): how tests see that each is decoded once. */
    static final java.util.concurrent.atomic.LongAdder DECODED = new java.util.concurrent.atomic.LongAdder();

    static {
        ImageIO.setUseCache(false); // decode in memory, without a cache file per image
    }

    private ImageFiles() {
    }

    static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    private static String directoryReason(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String s : IMAGE_SUFFIXES) {
            if (lower.endsWith(s)) {
                return "a directory named like an image file, not an image (its contents are not read)";
            }
        }
        return null;
    }

    /**
     * Every entry under {@code root}, sorted by path. Local folders are listed with java.nio, which
     * sees broken symbolic links (Hadoop's local listing skips them silently); other file systems
     * with Hadoop's listing.
     */
    static List<Entry> list(HadoopFiles files, String root) throws IOException {
        Path path = new Path(root);
        FileSystem fs = files.fs(path);
        Path qualified = fs.makeQualified(path);
        if (!fs.exists(qualified) || !fs.getFileStatus(qualified).isDirectory()) {
            throw new IllegalArgumentException(root + ": not a directory (expected a folder of image files)");
        }
        List<Entry> out = new ArrayList<>();
        if ("file".equals(qualified.toUri().getScheme())) {
            listLocal(java.nio.file.Path.of(qualified.toUri()), out);
        } else {
            listHadoop(fs, qualified, out);
        }
        out.sort((a, b) -> a.origin().compareTo(b.origin()));
        return out;
    }

    private static void listLocal(java.nio.file.Path dir, List<Entry> out) throws IOException {
        // a directory's URI prefix once; its entries' names are escaped as URIs escape them
        String prefix = new Path(dir.toUri()).toUri().toString();
        prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(dir)) {
            for (java.nio.file.Path p : entries) {
                String name = p.getFileName().toString();
                if (hidden(name)) {
                    continue;
                }
                String origin = prefix + new java.net.URI(null, null, name, null).toASCIIString();
                // one stat per entry, and one more for a symbolic link's target
                java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (a.isSymbolicLink()) {
                    try {
                        a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                    } catch (java.nio.file.NoSuchFileException missing) {
                        out.add(new Entry(origin, -1, "a broken symbolic link: its target "
                            + Files.readSymbolicLink(p) + " does not exist"));
                        continue;
                    }
                }
                if (a.isDirectory()) {
                    String reason = directoryReason(name);
                    if (reason != null) {
                        out.add(new Entry(origin, -1, reason));
                    } else {
                        listLocal(p, out);
                    }
                } else if (a.isRegularFile()) {
                    out.add(new Entry(origin, a.size(), null));
                } else {
                    out.add(new Entry(origin, -1, "not a regular file (a device, socket or pipe)"));
                }
            }
        } catch (java.net.URISyntaxException e) {
            throw new IOException("cannot name a file of " + dir + " as a URI: " + e.getMessage(), e);
        }
    }

    private static void listHadoop(FileSystem fs, Path dir, List<Entry> out) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (hidden(name)) {
                continue;
            }
            String origin = s.getPath().toUri().toString();
            if (s.isDirectory()) {
                String reason = directoryReason(name);
                if (reason != null) {
                    out.add(new Entry(origin, -1, reason));
                } else {
                    listHadoop(fs, s.getPath(), out);
                }
            } else {
                out.add(new Entry(origin, s.getLen(), null));
            }
        }
    }

    /**
     * The images of {@code root} as {@link #SCHEMA} rows, one per listed entry, read and decoded by
     * tasks of about {@link #BYTES_PER_TASK} each.
     */
    static Dataset<Row> read(SparkSession spark, String root) throws IOException {
        return read(spark, list(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), root), null);
    }

    /**
     * The listed {@code entries} as {@link #SCHEMA} rows, read and decoded by tasks of about
     * {@link #BYTES_PER_TASK} each; {@code done} (when not null) counts the entries read.
     */
    static Dataset<Row> read(SparkSession spark, List<Entry> entries, org.apache.spark.util.LongAccumulator done) {
        Broadcast<HadoopFiles> conf = shipped(spark);
        JavaRDD<Row> rows = tasks(spark, entries).mapPartitions((Iterator<Entry> it) -> new Iterator<Row>() {
            private final HadoopFiles files = conf.value();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Row next() {
                Row row = readOne(files, it.next());
                if (done != null) {
                    done.add(1);
                }
                return row;
            }
        });
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * The Hadoop configuration for tasks, as a broadcast: each executor deserializes it once, where
     * a configuration captured in a task's closure is deserialized by every task (hundreds of
     * properties, each gzip-compressed), which costs more than reading a task's small images.
     */
    private static Broadcast<HadoopFiles> shipped(SparkSession spark) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext())
            .broadcast(new HadoopFiles(spark.sparkContext().hadoopConfiguration()));
    }

    /**
     * The listed entries in tasks of about {@link #BYTES_PER_TASK} and at most {@link #FILES_PER_TASK}
     * files each, at least one per core.
     */
    private static JavaRDD<Entry> tasks(SparkSession spark, List<Entry> entries) {
        long bytes = 0;
        for (Entry e : entries) {
            bytes += Math.max(e.length(), 0);
        }
        long byBytes = (bytes + BYTES_PER_TASK - 1) / BYTES_PER_TASK;
        long byFiles = (entries.size() + FILES_PER_TASK - 1) / FILES_PER_TASK;
        int slices = (int) Math.max(1, Math.min(entries.size(),
            Math.max(spark.sparkContext().defaultParallelism(), Math.max(byBytes, byFiles))));
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(entries, slices);
    }

    /**
     * The size and channels of every image under {@code root} as {@link #HEADER_SCHEMA} rows, read
     * from the files' headers alone (no pixel is decoded): what shape inference needs. The channels
     * are counted as {@link #decode} counts them.
     */
    static Dataset<Row> headers(SparkSession spark, String root) throws IOException {
        return headers(spark, list(new HadoopFiles(spark.sparkContext().hadoopConfiguration()), root));
    }

    /** {@link #headers(SparkSession, String)} of listed entries. */
    static Dataset<Row> headers(SparkSession spark, List<Entry> entries) {
        Broadcast<HadoopFiles> conf = shipped(spark);
        JavaRDD<Row> rows = tasks(spark, entries).map(e -> {
            int[] h = header(conf.value(), e);
            return h == null ? RowFactory.create(-1, -1, -1) : RowFactory.create(h[0], h[1], h[2]);
        });
        return spark.createDataFrame(rows, HEADER_SCHEMA);
    }

    /** {height, width, channels} from an entry's image header; null when it is not a readable image. */
    static int[] header(HadoopFiles files, Entry e) {
        if (e.reason() != null || e.length() == 0) {
            return null;
        }
        try (InputStream file = open(files, e.origin())) {
            // a JPEG's header segments come first (each at most 64 KiB): its orientation and frame
            byte[] head = new byte[(int) Math.min(HEAD_BYTES, Math.max(e.length(), 64))];
            int n = file.readNBytes(head, 0, head.length);
            int[] frame = JpegHeader.frame(head, n);
            if (frame != null && frame[2] == 4) {
                return null; // CMYK or YCCK: rejected when decoded
            }
            int orientation = JpegHeader.orientation(head, n);
            int[] shape = frame != null ? frame : pngHeader(head, n);
            if (shape == null) {
                shape = header(new java.io.SequenceInputStream(new ByteArrayInputStream(head, 0, n), file));
            }
            if (shape != null && JpegHeader.swapsSides(orientation)) {
                return new int[] {shape[1], shape[0], shape[2]};
            }
            return shape;
        } catch (IOException | RuntimeException ex) {
            return null; // the decode says why
        }
    }

    /**
     * Opens the file at {@code origin}: a local file through java.nio (Hadoop's local file system
     * stats and opens a checksum file beside every file it opens, several times the cost of reading
     * a small image), any other through its Hadoop file system.
     */
    static InputStream open(HadoopFiles files, String origin) throws IOException {
        java.net.URI uri = java.net.URI.create(origin);
        if ("file".equals(uri.getScheme())) {
            return Files.newInputStream(java.nio.file.Path.of(uri));
        }
        Path p = new Path(uri);
        return files.fs(p).open(p);
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /**
     * {height, width, channels} of a PNG from its first bytes without ImageIO (whose reader lookup
     * costs more than reading a small image): its IHDR, and whether a tRNS chunk comes before its
     * pixels (ImageIO then adds alpha). Null when the bytes are not a PNG, or do not reach far
     * enough to tell: ImageIO reads the header then.
     */
    static int[] pngHeader(byte[] b, int n) {
        if (n < 33 || !java.util.Arrays.equals(b, 0, 8, PNG_SIGNATURE, 0, 8) || b[12] != 'I' || b[13] != 'H'
                || b[14] != 'D' || b[15] != 'R') {
            return null;
        }
        int width = java.nio.ByteBuffer.wrap(b, 16, 4).getInt();
        int height = java.nio.ByteBuffer.wrap(b, 20, 4).getInt();
        int colorType = b[25];
        boolean transparency = false;
        for (long p = 33; ; ) { // the chunks after IHDR, up to the pixels
            if (p + 8 > n) {
                return null;
            }
            int at = (int) p;
            long length = java.nio.ByteBuffer.wrap(b, at, 4).getInt() & 0xFFFFFFFFL;
            String type = new String(b, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) {
                break;
            }
            transparency |= type.equals("tRNS");
            p += 12 + length;
        }
        int channels = switch (colorType) {
            case 0, 4 -> 1; // gray, gray with alpha (dropped)
            case 2, 3 -> transparency ? 4 : 3;
            case 6 -> 4;
            default -> -1;
        };
        return channels < 0 || width <= 0 || height <= 0 ? null : new int[] {height, width, channels};
    }

    /** Bytes read ahead for a JPEG's header segments. */
    private static final int HEAD_BYTES = 128 << 10;

    private static int[] header(InputStream in) throws IOException {
        try (javax.imageio.stream.ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            Iterator<javax.imageio.ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            javax.imageio.ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                // the first destination type is the one ImageIO.read decodes to
                Iterator<javax.imageio.ImageTypeSpecifier> types = reader.getImageTypes(0);
                if (types == null || !types.hasNext()) {
                    return null;
                }
                return new int[] {reader.getHeight(0), reader.getWidth(0),
                    channels(types.next().getColorModel())};
            } finally {
                reader.dispose();
            }
        }
    }

    /** The channels a decoded image keeps: 1 for gray (an alpha channel dropped), 4 with alpha, else 3. */
    private static int channels(java.awt.image.ColorModel cm) {
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1;
        return gray ? 1 : cm.hasAlpha() ? 4 : 3;
    }

    private static Row reject(String origin, String reason) {
        return RowFactory.create(origin, -1, -1, -1, null, reason);
    }

    static Row readOne(HadoopFiles files, Entry e) {
        if (e.reason() != null) {
            return reject(e.origin(), e.reason());
        }
        byte[] bytes;
        try {
            try (InputStream in = open(files, e.origin())) {
                bytes = in.readAllBytes();
            }
        } catch (IOException | RuntimeException ex) {
            return reject(e.origin(), "cannot read the file: " + ex);
        }
        if (bytes.length == 0) {
            return reject(e.origin(), "an empty file (0 bytes), not an image");
        }
        DECODED.increment();
        return decode(e.origin(), bytes);
    }

    /**
     * Decodes PNG/JPEG bytes as Spark's image schema holds them: rows of interleaved B,G,R[,A] bytes,
     * or one gray byte per pixel (16-bit gray samples keep their high byte).
     */
    static Row decode(String origin, byte[] bytes) {
        if (JpegHeader.components(bytes, bytes.length) == 4) {
            // ImageIO reads some of them, but not their colours: Adobe's inverted CMYK, YCCK
            return reject(origin, CMYK);
        }
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException ex) {
            img = null;
        }
        if (img == null) {
            return reject(origin, "not a decodable image (PNG or JPEG expected)");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        int n = channels(img.getColorModel());
        boolean gray = n == 1;
        boolean alpha = n == 4;
        byte[] data = packed(img, n);
        if (data == null && gray) {
            data = new byte[h * w * n];
            Raster raster = img.getRaster();
            int shift = Math.max(0, img.getColorModel().getComponentSize(0) - 8);
            int o = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    data[o++] = (byte) (raster.getSample(x, y, 0) >>> shift);
                }
            }
        } else if (data == null) {
            data = new byte[h * w * n];
            int o = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    data[o] = (byte) argb;
                    data[o + 1] = (byte) (argb >>> 8);
                    data[o + 2] = (byte) (argb >>> 16);
                    if (alpha) {
                        data[o + 3] = (byte) (argb >>> 24);
                    }
                    o += n;
                }
            }
        }
        // a JPEG's EXIF orientation turns it upright, as viewers and Pillow's exif_transpose do
        int orientation = JpegHeader.orientation(bytes, bytes.length);
        byte[] upright = JpegHeader.upright(orientation, h, w, n, data);
        return JpegHeader.swapsSides(orientation) ? RowFactory.create(origin, w, h, n, upright, null)
            : RowFactory.create(origin, h, w, n, upright, null);
    }

    /**
     * The pixels as interleaved B,G,R or gray bytes copied straight from the raster, when the image
     * holds them so ({@code TYPE_3BYTE_BGR}, 8-bit {@code TYPE_BYTE_GRAY}, packed without gaps: what
     * ImageIO decodes most JPEGs and gray images to); null otherwise. Converting pixel by pixel
     * through the colour model costs more than decoding.
     */
    private static byte[] packed(BufferedImage img, int n) {
        int type = img.getType();
        if (!(type == BufferedImage.TYPE_3BYTE_BGR && n == 3) && !(type == BufferedImage.TYPE_BYTE_GRAY && n == 1)) {
            return null;
        }
        Raster raster = img.getRaster();
        if (!(raster.getDataBuffer() instanceof java.awt.image.DataBufferByte buffer)
                || !(raster.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel model)
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0
                || buffer.getNumBanks() != 1 || buffer.getOffset() != 0 || model.getPixelStride() != n
                || model.getScanlineStride() != img.getWidth() * n) {
            return null;
        }
        int[] offsets = model.getBandOffsets();
        boolean bgr = n == 1 ? offsets[0] == 0 : offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0; // R, G, B at 2, 1, 0
        int size = img.getHeight() * img.getWidth() * n;
        return bgr && buffer.getData().length >= size ? java.util.Arrays.copyOf(buffer.getData(), size) : null;
    }

    /** Why a CMYK or YCCK JPEG is rejected. */
    static final String CMYK = "a CMYK (or YCCK) JPEG: spark-nn decodes RGB and gray JPEGs; convert it to RGB";
}
