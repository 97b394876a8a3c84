package org.sparknn.dataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparknn.io.HadoopFiles;

/**
 * The dataset contract between data-prep and the jobs: a directory with one Parquet folder per
 * split ({@code train}, {@code validation}, {@code test}), a {@code rejects} folder and
 * {@code dataset.json}. Each split has the columns {@code id} (string), {@code label} (int, absent
 * when unlabeled) and {@code features}, channel-height-width: {@code array<float>} of normalized
 * values, or {@code binary} of raw 8-bit pixels to be normalized when read, as the metadata's
 * {@link FeatureEncoding} says ({@link #normalizedFeatures} turns either into the first). The
 * features column carries the dataset metadata in its schema metadata, which Spark stores in the
 * Parquet footer's key-value metadata.
 */
public final class DatasetSchema {
    public static final String ID = "id";
    public static final String LABEL = "label";
    public static final String FEATURES = "features";
    /** Key of the dataset metadata JSON in the features column's metadata. */
    public static final String METADATA_KEY = "spark_nn_dataset";
    public static final String METADATA_FILE = "dataset.json";
    public static final String REJECTS = "rejects";
    public static final List<String> SPLITS = List.of("train", "validation", "test");

    private DatasetSchema() {
    }

    /** The schema of a written split. */
    public static StructType schema(DatasetMetadata meta) {
        List<StructField> fields = new ArrayList<>();
        fields.add(DataTypes.createStructField(ID, DataTypes.StringType, false));
        if (meta.labeled()) {
            fields.add(DataTypes.createStructField(LABEL, DataTypes.IntegerType, false));
        }
        Metadata m = new MetadataBuilder().putString(METADATA_KEY, meta.toJson()).build();
        fields.add(DataTypes.createStructField(FEATURES, featuresType(meta.encoding()), false, m));
        return DataTypes.createStructType(fields);
    }

    /** The type of the features column of an encoding. */
    public static DataType featuresType(FeatureEncoding encoding) {
        return encoding == FeatureEncoding.uint8 ? DataTypes.BinaryType : DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    /**
     * {@code split} (rows of a dataset split, or any selection of them that keeps the features
     * column) with its features as normalized {@code array<float>}, for code that works with the
     * values themselves (Spark ML's {@code array_to_vector}, notebooks, collected rows). A float32
     * split is returned as it is; the 8-bit pixels of a uint8 split are normalized as its metadata
     * says. The jobs read uint8 features directly (the cursor decodes them as it copies).
     */
    public static Dataset<Row> normalizedFeatures(Dataset<Row> split) {
        DatasetMetadata meta = metadataOf(split.schema(), "the dataset split");
        if (meta.encoding() == FeatureEncoding.float32) {
            return split;
        }
        DatasetMetadata floats = meta.withEncoding(FeatureEncoding.float32);
        PixelTable table = PixelTable.of(meta);
        UserDefinedFunction decode = functions.udf((UDF1<byte[], float[]>) b -> b == null ? null : table.decode(b),
            DataTypes.createArrayType(DataTypes.FloatType, false));
        Metadata m = new MetadataBuilder().putString(METADATA_KEY, floats.toJson()).build();
        return split.withColumn(FEATURES, decode.apply(split.col(FEATURES)).as(FEATURES, m));
    }

    /**
     * {@code split} with its features as a Spark ML vector of normalized values, for Spark ML
     * estimators ({@code NeuralNetClassifier}, MLlib's). The column keeps the dataset metadata, so a
     * model fitted on it records the normalization its features had, and every reader of the saved
     * model gives its input the same values. ({@code array_to_vector} alone drops the metadata.)
     */
    public static Dataset<Row> mlFeatures(Dataset<Row> split) {
        Dataset<Row> floats = normalizedFeatures(split);
        Metadata m = floats.schema().apply(FEATURES).metadata();
        return floats.withColumn(FEATURES, org.apache.spark.ml.functions.array_to_vector(floats.col(FEATURES))
            .as(FEATURES, m));
    }

    /**
     * The dataset metadata a column carries (a split's features column, or a column derived from
     * it that kept its metadata), or null when it carries none.
     */
    public static DatasetMetadata metadataOf(StructField column, String origin) {
        return column.metadata().contains(METADATA_KEY)
            ? DatasetMetadata.fromJson(column.metadata().getString(METADATA_KEY), origin) : null;
    }

    /** The dataset metadata carried by a split's schema. */
    public static DatasetMetadata metadataOf(StructType schema, String origin) {
        if (!List.of(schema.fieldNames()).contains(FEATURES)) {
            throw new IllegalArgumentException(origin + ": no '" + FEATURES + "' column; columns are "
                + List.of(schema.fieldNames()));
        }
        Metadata m = schema.apply(FEATURES).metadata();
        if (!m.contains(METADATA_KEY)) {
            throw new IllegalArgumentException(origin + ": the '" + FEATURES
                + "' column carries no spark-nn dataset metadata (was it written by IngestImagesJob?)");
        }
        return DatasetMetadata.fromJson(m.getString(METADATA_KEY), origin);
    }

    /** Reads {@code dataset.json} of a dataset directory. */
    public static DatasetMetadata readMetadata(SparkSession spark, String datasetDir) {
        Path path = new Path(datasetDir, METADATA_FILE);
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        try {
            if (!files.fs(path).exists(path)) {
                throw new IllegalArgumentException(datasetDir + ": not a spark-nn dataset: " + METADATA_FILE
                    + " is missing");
            }
            return DatasetMetadata.fromJson(files.readString(path), path.toString());
        } catch (IOException e) {
            throw HadoopFiles.unchecked("cannot read " + path, e);
        }
    }

    /**
     * The identity of a dataset's content: SHA-256 (hex) of its {@code dataset.json} and of the
     * names and sizes of every file of the given splits (absent splits count as empty). Writing a
     * split names its part files afresh, so a dataset ingested again at the same path, even with
     * the same row counts, gets another identity; reading a dataset never changes it.
     */
    public static String identity(HadoopFiles files, String datasetDir, List<String> splits) throws IOException {
        java.security.MessageDigest d;
        try {
            d = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        Path meta = new Path(datasetDir, METADATA_FILE);
        d.update(files.readString(meta).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String split : splits) {
            Path dir = new Path(datasetDir, split);
            org.apache.hadoop.fs.FileSystem fs = files.fs(dir);
            List<String> entries = new ArrayList<>();
            if (fs.exists(dir)) {
                org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(dir, true);
                String root = fs.makeQualified(dir).toUri().getPath();
                while (it.hasNext()) {
                    org.apache.hadoop.fs.LocatedFileStatus s = it.next();
                    String rel = s.getPath().toUri().getPath().substring(root.length());
                    if (!rel.endsWith(".crc")) {
                        entries.add(rel + " " + s.getLen());
                    }
                }
            }
            entries.sort(null);
            d.update(("\n" + split + ":" + String.join("\n", entries)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    /** Reads one split of a dataset directory, its schema inferred from the Parquet footers. */
    public static Dataset<Row> readSplit(SparkSession spark, String datasetDir, String split) {
        return spark.read().parquet(splitPath(spark, datasetDir, split));
    }

    /**
     * Reads one split of a dataset directory with the schema its metadata gives
     * ({@link #schema(DatasetMetadata)}): no Parquet schema inference, which costs a Spark job
     * that reads a footer on every scoring run.
     */
    public static Dataset<Row> readSplit(SparkSession spark, String datasetDir, String split, DatasetMetadata meta) {
        return spark.read().schema(schema(meta)).parquet(splitPath(spark, datasetDir, split));
    }

    private static String splitPath(SparkSession spark, String datasetDir, String split) {
        Path path = new Path(datasetDir, split);
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        try {
            if (!files.fs(path).exists(path)) {
                throw new IllegalArgumentException(datasetDir + ": the dataset has no '" + split + "' split");
            }
        } catch (IOException e) {
            throw HadoopFiles.unchecked("cannot read " + path, e);
        }
        return path.toString();
    }
}
