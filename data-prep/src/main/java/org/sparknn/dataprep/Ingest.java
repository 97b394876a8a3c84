package org.sparknn.dataprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparknn.dataset.ChannelStats;
import org.sparknn.dataset.DatasetMetadata;
import org.sparknn.dataset.DatasetSchema;
import org.sparknn.dataset.FeatureEncoding;
import org.sparknn.io.AppAttempt;
import org.sparknn.io.AtomicOutput;
import org.sparknn.io.HadoopFiles;
import org.sparknn.io.ProgressReporter;
import org.sparknn.nn.spec.Normalization;

/**
 * The data-prep pipeline: read the sources, carve the validation split, compute normalization on
 * the training split, write every split, the rejects and {@code dataset.json} into a staging
 * directory and publish it atomically. Then count what was written and return the summary.
 */
public final class Ingest {
    /** Up to this many classes, integer labels are checked for unused class indices. */
    static final int MAX_CHECKED_LABEL = 100_000;

    /** Resolution of the seeded validation split (hash buckets). */
    static final long BUCKETS = 1_000_000L;

    /** The outcome. */
    public record Result(DatasetMetadata metadata, Map<String, Long> rejectedByReason, double seconds) {
    }

    private final SparkSession spark;
    private final IngestOptions o;
    private final PrintStream out;
    private final HadoopFiles files;

    public Ingest(SparkSession spark, IngestOptions options, PrintStream out) {
        this.spark = spark;
        this.o = options;
        this.out = out;
        this.files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    }

    /** A split as decoded from its source, before normalization. */
    private record Decoded(String split, Dataset<Row> rows) {
    }

    /** The shape and classes every split is decoded to. */
    private record Layout(int height, int width, int channels, List<String> classNames) {
    }

    public Result run() throws IOException {
        try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), "ingest", out, 10_000);
             AtomicOutput output = new AtomicOutput(files, o.output(), o.overwrite(), AppAttempt.of(spark.sparkContext()), out)) {
            progress.step("reading " + o.format() + " input");
            List<Decoded> sources = new ArrayList<>();
            Layout layout = readSources(sources, progress);
            // each source is decoded once, by the first job that reads it; the splits carved from
            // it (train and validation) are filters over that cache, not decodes of their own
            for (Decoded d : sources) {
                d.rows().persist(StorageLevel.MEMORY_AND_DISK());
            }
            List<Decoded> splits = carveValidation(sources);
            try {
                FeatureEncoding encoding = o.effectiveEncoding();
                Normalization norm = Normalization.scaleOnly(o.effectiveScale());
                if (o.standardize()) {
                    progress.step("computing per-channel statistics of the training split");
                    norm = standardize(splits.get(0).rows(), layout.channels(), norm);
                }
                DatasetMetadata meta = new DatasetMetadata(DatasetMetadata.FORMAT, DatasetMetadata.VERSION, o.name(),
                    layout.height(), layout.width(), layout.channels(), layout.classNames(), norm, encoding, Map.of(),
                    sourceDescription());
                StructType schema = DatasetSchema.schema(meta);
                Dataset<Row> rejects = null;
                for (Decoded d : splits) {
                    progress.step("writing the " + d.split() + " split");
                    stored(d.rows(), schema, encoding, norm, layout.channels()).write().mode(SaveMode.ErrorIfExists)
                        .options(parquetOptions(encoding)).parquet(output.staging(d.split()).toString());
                    Dataset<Row> r = d.rows().filter(col("reason").isNotNull())
                        .select(lit(d.split()).as("split"), col(DatasetSchema.ID), col("source"), col("reason"));
                    rejects = rejects == null ? r : rejects.unionAll(r);
                }
                progress.step("writing the rejects");
                rejects.coalesce(1).write()
                    .parquet(output.staging(DatasetSchema.REJECTS).toString());

                progress.step("counting what was written");
                Map<String, DatasetMetadata.SplitSummary> summaries = new LinkedHashMap<>();
                Dataset<Row> writtenRejects = spark.read().parquet(output.staging(DatasetSchema.REJECTS).toString());
                Map<String, Long> rejectedBySplit = countBy(writtenRejects, "split");
                for (Decoded d : splits) {
                    summaries.put(d.split(), summarize(d, output.staging(d.split()).toString(), meta,
                        rejectedBySplit.getOrDefault(d.split(), 0L)));
                }
                Map<String, Long> byReason = countBy(writtenRejects, "reason");
                meta = meta.withSplits(summaries);
                files.writeString(output.staging(DatasetSchema.METADATA_FILE), meta.toJson());
                progress.step("publishing " + output.target());
                output.publish();
                return new Result(meta, byReason, progress.elapsedSeconds());
            } finally {
                for (Decoded d : sources) {
                    d.rows().unpersist();
                }
            }
        }
    }

    private Layout readSources(List<Decoded> splits, ProgressReporter progress) throws IOException {
        return switch (o.format()) {
            case idx -> readIdx(splits);
            case images -> readImageFolders(splits, progress);
            case parquet -> readParquet(splits);
        };
    }

    private Layout readIdx(List<Decoded> splits) throws IOException {
        IdxSource train = new IdxSource(files, o.train(), o.trainLabels());
        IdxSource test = o.test() == null ? null : new IdxSource(files, o.test(), o.testLabels());
        if (test != null && (test.height() != train.height() || test.width() != train.width())) {
            throw new IllegalArgumentException(o.test() + " has " + test.height() + "x" + test.width()
                + " images but " + o.train() + " has " + train.height() + "x" + train.width() + ": the splits must agree");
        }
        if (o.height() != null && o.height() != train.height() || o.width() != null && o.width() != train.width()) {
            throw new IllegalArgumentException(o.train() + " has " + train.height() + "x" + train.width()
                + " images but --height/--width ask for " + o.height() + "x" + o.width()
                + " (IDX input is not resized)");
        }
        if (o.channels() != null && o.channels() != 1) {
            throw new IllegalArgumentException("IDX images are grayscale; --channels " + o.channels() + " does not apply");
        }
        int numClasses = Math.max(train.numClasses(), test == null ? 0 : test.numClasses());
        List<IdxSource> sources = test == null ? List.of(train) : List.of(train, test);
        List<String> names = classNames(numClasses, () -> sum(numClasses, sources, IdxSource::classCounts),
            o.test() == null ? o.trainLabels() : o.trainLabels() + " and " + o.testLabels());
        splits.add(new Decoded("train", checked(train.load(spark, o.name(), "train"))));
        if (test != null) {
            splits.add(new Decoded("test", checked(test.load(spark, o.name(), "test"))));
        }
        return new Layout(train.height(), train.width(), 1, names);
    }

    /**
     * The class names of class indices: those of --class-names, else "0".."max", with a warning when
     * some index in between has no row (looked for up to {@link #MAX_CHECKED_LABEL} classes).
     *
     * @param counts rows per index 0..max in all splits, computed only for the warning
     */
    private List<String> classNames(int numClasses, java.util.function.Supplier<long[]> counts, String where) {
        if (o.classNames() != null) {
            return o.classNames();
        }
        String warning = numClasses <= MAX_CHECKED_LABEL ? LabelChecks.gaps(counts.get(), where) : null;
        if (warning != null) {
            out.println(warning);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            names.add(String.valueOf(i));
        }
        return names;
    }

    /** The element-wise sum of every source's {@code n} per-class counts. */
    private static <S> long[] sum(int n, List<S> sources, java.util.function.Function<S, long[]> counts) {
        long[] total = new long[n];
        for (S s : sources) {
            long[] c = counts.apply(s);
            for (int i = 0; i < c.length; i++) {
                total[i] += c[i];
            }
        }
        return total;
    }

    /** The rows with class indices outside --class-names rejected (unchanged without it). */
    private Dataset<Row> checked(Dataset<Row> decoded) {
        return o.classNames() == null ? decoded : LabelChecks.rejectOutside(decoded, o.classNames());
    }

    /** The image folders' splits; {@code progress} counts the images read. */
    private Layout readImageFolders(List<Decoded> splits, ProgressReporter progress) throws IOException {
        TreeSet<String> classes = new TreeSet<>(ImageFolderSource.classFolders(files, o.train()));
        if (o.test() != null) {
            classes.addAll(ImageFolderSource.classFolders(files, o.test()));
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException(o.train() + ": no class subfolders (expected <root>/<class>/<image files>)");
        }
        List<String> classNames = resolveNamedClasses(new ArrayList<>(classes), o.train());
        List<ImageFiles.Entry> trainFiles = ImageFiles.list(files, o.train());
        List<ImageFiles.Entry> testFiles = o.test() == null ? List.of() : ImageFiles.list(files, o.test());
        org.apache.spark.util.LongAccumulator read = spark.sparkContext().longAccumulator("images read");
        progress.count("images", read::value, trainFiles.size() + testFiles.size());
        Dataset<Row> trainImages = ImageFiles.read(spark, trainFiles, read);
        // a lazy plan: its header pass runs only when the shape is to be inferred
        ImageDecoder decoder = decoder(ImageFiles.headers(spark, trainFiles), o.train());
        splits.add(new Decoded("train", ImageFolderSource.decode(spark, trainImages, o.train(), "train", classNames, decoder)));
        if (o.test() != null) {
            splits.add(new Decoded("test", ImageFolderSource.decode(spark, ImageFiles.read(spark, testFiles, read),
                o.test(), "test", classNames, decoder)));
        }
        return new Layout(decoder.height(), decoder.width(), decoder.channels(), classNames);
    }

    /**
     * The class names: those of --class-names (rows of other classes are rejected as they are
     * read), else the names found in the data, with a warning about names that look like mistakes.
     */
    private List<String> resolveNamedClasses(List<String> found, String where) {
        if (o.classNames() != null) {
            return o.classNames();
        }
        String warning = LabelChecks.suspiciousNames(found, where);
        if (warning != null) {
            out.println(warning);
        }
        return found;
    }

    /**
     * A decoder for the target shape: given by options, or the most common shape of the training
     * images ({@code trainImages}: rows with height, width and nChannels, -1 for unreadable ones).
     */
    private ImageDecoder decoder(Dataset<Row> trainImages, String where) {
        Integer h = o.height();
        Integer w = o.width();
        Integer c = o.channels();
        if (h == null || w == null || c == null) {
            int[] inferred = ImageFolderSource.inferShape(trainImages);
            if (inferred == null) {
                throw new IllegalArgumentException(where + ": no readable image to take the image size from");
            }
            h = h == null ? inferred[0] : h;
            w = w == null ? inferred[1] : w;
            c = c == null ? inferred[2] : c;
            out.println("image shape taken from the training images: " + c + "x" + h + "x" + w + " (channels x height x width)");
        }
        return new ImageDecoder(h, w, c, o.resize());
    }

    private Layout readParquet(List<Decoded> splits) {
        ParquetSource train = new ParquetSource(spark, o.train(), o.parquetColumns());
        ParquetSource test = o.test() == null ? null : new ParquetSource(spark, o.test(), o.parquetColumns());
        List<String> classNames = null;
        if (o.parquetColumns().label() != null) {
            if (train.stringLabels()) {
                TreeSet<String> names = new TreeSet<>(train.distinctLabels());
                if (test != null) {
                    names.addAll(test.distinctLabels());
                }
                classNames = resolveNamedClasses(new ArrayList<>(names), o.train());
            } else {
                int max = Math.max(train.maxLabel(), test == null ? -1 : test.maxLabel());
                List<ParquetSource> sources = test == null ? List.of(train) : List.of(train, test);
                classNames = classNames(max + 1, () -> sum(max + 1, sources, s -> s.labelCounts(max)),
                    o.test() == null ? o.train() : o.train() + " and " + o.test());
            }
        }
        ImageDecoder decoder = null;
        int height;
        int width;
        int channels;
        if (train.hasImageColumn()) {
            decoder = decoder(train.images(), o.train());
            height = decoder.height();
            width = decoder.width();
            channels = decoder.channels();
        } else {
            height = o.height();
            width = o.width();
            channels = o.channels();
        }
        int length = channels * height * width;
        boolean indices = o.parquetColumns().label() != null && !train.stringLabels();
        Dataset<Row> trainRows = train.load(spark, o.name(), "train", decoder, length, classNames);
        splits.add(new Decoded("train", indices ? checked(trainRows) : trainRows));
        if (test != null) {
            Dataset<Row> testRows = test.load(spark, o.name(), "test", decoder, length, classNames);
            splits.add(new Decoded("test", indices ? checked(testRows) : testRows));
        }
        return new Layout(height, width, channels, classNames);
    }

    /** Moves a seeded, hash-chosen share of the training rows into a validation split. */
    private List<Decoded> carveValidation(List<Decoded> splits) {
        if (o.validationFraction() == 0) {
            return splits;
        }
        Dataset<Row> train = splits.get(0).rows();
        long threshold = Math.round(o.validationFraction() * BUCKETS);
        org.apache.spark.sql.Column inValidation =
            pmod(xxhash64(lit(o.seed()), col(DatasetSchema.ID)), lit(BUCKETS)).lt(threshold);
        List<Decoded> result = new ArrayList<>();
        result.add(new Decoded("train", train.filter(inValidation.unary_$bang())));
        result.add(new Decoded("validation", train.filter(inValidation)));
        result.addAll(splits.subList(1, splits.size()));
        return result;
    }

    /** Per-channel mean and std of the scaled values of the readable training rows. */
    private Normalization standardize(Dataset<Row> train, int channels, Normalization scaling) {
        double scale = scaling.scale();
        JavaRDD<float[]> features = train.filter(col("reason").isNull()).select(DatasetSchema.FEATURES).javaRDD()
            .map(r -> toFloatArray(r, 0));
        ChannelStats stats = features.treeAggregate(null,
            (ChannelStats s, float[] x) -> (s == null ? new ChannelStats(channels) : s).add(x, scale),
            (ChannelStats a, ChannelStats b) -> a == null ? b : b == null ? a : a.merge(b),
            2);
        if (stats == null || stats.count(0) == 0) {
            throw new IllegalArgumentException(o.train() + ": no readable training rows to compute the statistics from");
        }
        Normalization n = scaling.withStatistics(stats.mean(), stats.std());
        out.println("standardization from the training split: " + n);
        return n;
    }

    static float[] toFloatArray(Row r, int i) {
        List<Float> list = r.getList(i);
        float[] a = new float[list.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = list.get(k);
        }
        return a;
    }

    /** The readable rows in the split schema: normalized floats, or the raw pixels as bytes. */
    private Dataset<Row> stored(Dataset<Row> decoded, StructType schema, FeatureEncoding encoding, Normalization norm,
                                int channels) {
        boolean labeled = schema.fieldNames().length == 3;
        JavaRDD<Row> rows = DecodedRows.beans(decoded.filter(col("reason").isNull())).map(r -> {
            float[] x = r.getFeatures();
            Object features;
            if (encoding == FeatureEncoding.uint8) {
                features = pixels(x, r.getId());
            } else {
                norm.applyInPlace(x, channels);
                features = x;
            }
            return labeled ? RowFactory.create(r.getId(), r.getLabel(), features) : RowFactory.create(r.getId(), features);
        });
        return spark.createDataFrame(rows, schema);
    }

    /**
     * Raw values as unsigned bytes. uint8 is only chosen for sources that decode to 8-bit pixels, so
     * any other value is a defect in a source, reported with the row rather than wrapped or rounded.
     */
    static byte[] pixels(float[] x, String id) {
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (!(v >= 0 && v <= 255) || v != (int) v) {
                throw new IllegalArgumentException("row '" + id + "': value " + i + " is " + v
                    + ", not an 8-bit pixel value (0..255): the uint8 encoding cannot store it; use --encoding float32");
            }
            b[i] = (byte) (int) v;
        }
        return b;
    }

    /**
     * Parquet writer settings for a split: no dictionary for the columns whose values are all
     * different (ids, and images stored as bytes), where Parquet would hash every value into a
     * dictionary only to find at the end of the file that it does not pay and write it plain.
     * Pixels stored as floats keep theirs: they take few distinct values.
     */
    static Map<String, String> parquetOptions(FeatureEncoding encoding) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("parquet.enable.dictionary#" + DatasetSchema.ID, "false");
        if (encoding == FeatureEncoding.uint8) {
            options.put("parquet.enable.dictionary#" + DatasetSchema.FEATURES, "false");
        }
        return options;
    }

    private static Map<String, Long> countBy(Dataset<Row> rows, String column) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Row r : rows.groupBy(column).count().orderBy(column).collectAsList()) {
            counts.put(r.getString(0), r.getLong(1));
        }
        return counts;
    }

    /** What was read into a split, written and rejected; every input row must be one of the two. */
    private DatasetMetadata.SplitSummary summarize(Decoded d, String path, DatasetMetadata meta, long rejected) {
        long read = d.rows().count();
        Dataset<Row> written = spark.read().parquet(path);
        DatasetMetadata.SplitSummary s;
        if (!meta.labeled()) {
            s = new DatasetMetadata.SplitSummary(read, written.count(), rejected, null);
        } else {
            long[] perClass = new long[meta.numClasses()];
            long rows = 0;
            for (Row r : written.groupBy(DatasetSchema.LABEL).count().collectAsList()) {
                perClass[r.getInt(0)] = r.getLong(1);
                rows += r.getLong(1);
            }
            s = new DatasetMetadata.SplitSummary(read, rows, rejected, perClass);
        }
        if (s.rows() + s.rejected() != read) {
            throw new IllegalStateException("the " + d.split() + " split read " + read + " input rows but wrote "
                + s.rows() + " and rejected " + s.rejected() + ": rows were lost or doubled; nothing is published");
        }
        return s;
    }

    private Map<String, String> sourceDescription() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("format", o.format().name());
        s.put("train", o.train());
        if (o.trainLabels() != null) {
            s.put("trainLabels", o.trainLabels());
        }
        if (o.test() != null) {
            s.put("test", o.test());
        }
        if (o.testLabels() != null) {
            s.put("testLabels", o.testLabels());
        }
        s.put("resize", String.valueOf(o.resize()));
        s.put("validationFraction", String.valueOf(o.validationFraction()));
        s.put("seed", String.valueOf(o.seed()));
        return s;
    }
}
