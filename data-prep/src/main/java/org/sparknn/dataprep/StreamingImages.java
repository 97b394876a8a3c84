package org.sparknn.dataprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.types.StructType;
import org.sparknn.io.HadoopFiles;

/**
 * Raw images that keep arriving in a directory, as a streaming DataFrame of decoded rows (id,
 * label or null, raw features or null, source, reason): image files (PNG/JPEG, in any
 * subdirectory) or Parquet files with an image or features column. Every file that arrives is read
 * once, in the micro-batch that picks it up; a row that cannot be used carries its reason, as in
 * the batch readers. Names starting with '.' or '_' are hidden, as for Spark's file sources, so a
 * file written in place under such a name and then renamed arrives whole. Zero-byte files are
 * not seen at all: Spark's file index, which every file source lists through, leaves them out.
 */
public final class StreamingImages {
    /** Spark's binaryFile source's schema, which a stream must be given. */
    private static final StructType BINARY_FILE = new StructType()
        .add("path", org.apache.spark.sql.types.DataTypes.StringType, false)
        .add("modificationTime", org.apache.spark.sql.types.DataTypes.TimestampType, false)
        .add("length", org.apache.spark.sql.types.DataTypes.LongType, false)
        .add("content", org.apache.spark.sql.types.DataTypes.BinaryType, true);

    private StreamingImages() {
    }

    /** The decoded rows' schema: the batch readers' ({@link RawImages#decode}). */
    public static StructType schema() {
        return DecodedRows.SCHEMA;
    }

    /**
     * The stream of {@code r.path()}: images (ids are the paths relative to it) or Parquet
     * (ids from the id column, which streaming input must have: a row number is not stable across a
     * restart), decoded to {@code channels x height x width} raw pixel values.
     *
     * @param maxFilesPerTrigger files per micro-batch, or 0 for all that have arrived
     */
    public static Dataset<Row> read(SparkSession spark, RawImages.Request r, int channels, int height, int width,
                                    List<String> classNames, int maxFilesPerTrigger) throws IOException {
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Path root = new Path(r.path());
        if (!files.fs(root).exists(root) || !files.fs(root).getFileStatus(root).isDirectory()) {
            throw new IllegalArgumentException(r.path() + ": not a directory (a stream watches a directory for new files)");
        }
        ImageDecoder decoder = new ImageDecoder(height, width, channels, r.resize());
        var reader = spark.readStream();
        if (maxFilesPerTrigger > 0) {
            reader = reader.option("maxFilesPerTrigger", maxFilesPerTrigger);
        }
        ExpressionEncoder<Row> decoded = ExpressionEncoder.apply(DecodedRows.SCHEMA);
        switch (r.format()) {
            case images -> {
                String rootPath = ImageFolderSource.decodedPath(files.fs(root).makeQualified(root).toUri().toString())
                    .replaceAll("/+$", "");
                Dataset<Row> bytes = reader.format("binaryFile").schema(BINARY_FILE)
                    .option("recursiveFileLookup", "true").load(r.path())
                    .select(col("path"), col("content"));
                return bytes.map(new DecodeFile(rootPath, decoder), decoded);
            }
            case parquet -> {
                ParquetSource.Columns c = r.columns();
                if (c.id() == null) {
                    throw new IllegalArgumentException("streaming Parquet input needs --id-col: a generated row number would"
                        + " not name a row the same way after a restart");
                }
                StructType schema = parquetSchema(spark, files, root);
                ParquetSource source = new ParquetSource(spark, r.path(), c); // checks the columns and their types
                List<Column> cols = new ArrayList<>(source.decodeColumns());
                cols.add(input_file_name());
                Dataset<Row> rows = reader.schema(schema).parquet(r.path()).select(cols.toArray(new Column[0]));
                return rows.map(source.rowDecoder(decoder, channels * height * width, classNames), decoded);
            }
            default -> throw new IllegalArgumentException("a stream reads image files or Parquet files, not "
                + r.format() + " input");
        }
    }

    /** The schema of the Parquet files already in {@code root} (a stream of Parquet needs one to start). */
    private static StructType parquetSchema(SparkSession spark, HadoopFiles files, Path root) throws IOException {
        for (FileStatus s : files.fs(root).listStatus(root)) {
            String name = s.getPath().getName();
            if (!ImageFiles.hidden(name) && (s.isDirectory() || name.endsWith(".parquet"))) {
                return spark.read().parquet(root.toString()).schema();
            }
        }
        throw new IllegalArgumentException(root + ": no Parquet file yet to take the schema from; a stream of Parquet"
            + " files starts once the directory holds one");
    }

    /** One image file's row: decoded, or with the reason it cannot be. */
    private record DecodeFile(String rootPath, ImageDecoder decoder) implements MapFunction<Row, Row> {
        @Override
        public Row call(Row file) {
            String origin = file.getString(0);
            String path = ImageFolderSource.decodedPath(origin);
            String id = path.startsWith(rootPath + "/") ? path.substring(rootPath.length() + 1) : path;
            byte[] bytes = (byte[]) file.get(1);
            if (bytes == null || bytes.length == 0) {
                return RowFactory.create(id, null, null, origin, "an empty file (0 bytes), not an image");
            }
            Row image = ImageFiles.decode(origin, bytes);
            float[] values = new float[decoder.featureLength()];
            String reason = image.isNullAt(5)
                ? decoder.decode(image.getInt(1), image.getInt(2), image.getInt(3), (byte[]) image.get(4), values)
                : image.getString(5);
            return RowFactory.create(id, null, reason == null ? values : null, origin, reason);
        }
    }
}
