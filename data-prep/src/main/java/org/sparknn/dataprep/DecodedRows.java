package org.sparknn.dataprep;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparknn.dataset.DatasetSchema;

/** Rows as ingest's sources produce them, before normalization: a rejected row has a reason and no features. */
final class DecodedRows {
    static final StructType SCHEMA = new StructType()
        .add(DatasetSchema.ID, DataTypes.StringType, false)
        .add(DatasetSchema.LABEL, DataTypes.IntegerType, true)
        .add(DatasetSchema.FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
        .add("source", DataTypes.StringType, false)
        .add("reason", DataTypes.StringType, true);

    private DecodedRows() {
    }

    /**
     * One row of {@link #SCHEMA} as a Java bean: Spark's bean encoder writes its {@code float[]}
     * features into Spark's rows as one primitive array, where a {@code Row} holding them is
     * converted value by value, each boxed (reading them back goes value by value either way).
     */
    public static final class Bean implements java.io.Serializable {
        private String id;
        private Integer label;
        private float[] features;
        private String source;
        private String reason;

        public Bean() {
        }

        Bean(String id, Integer label, float[] features, String source, String reason) {
            this.id = id;
            this.label = label;
            this.features = features;
            this.source = source;
            this.reason = reason;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public Integer getLabel() {
            return label;
        }

        public void setLabel(Integer label) {
            this.label = label;
        }

        public float[] getFeatures() {
            return features;
        }

        public void setFeatures(float[] features) {
            this.features = features;
        }

        public String getSource() {
            return source;
        }

        public void setSource(String source) {
            this.source = source;
        }

        public String getReason() {
            return reason;
        }

        public void setReason(String reason) {
            this.reason = reason;
        }
    }

    /** Beans as rows of {@link #SCHEMA}'s columns, in its order. */
    static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> of(org.apache.spark.sql.SparkSession spark,
                                                                     org.apache.spark.api.java.JavaRDD<Bean> beans) {
        return spark.createDataset(beans.rdd(), org.apache.spark.sql.Encoders.bean(Bean.class))
            .select(DatasetSchema.ID, DatasetSchema.LABEL, DatasetSchema.FEATURES, "source", "reason");
    }

    /** Rows of {@link #SCHEMA} as beans. */
    static org.apache.spark.api.java.JavaRDD<Bean> beans(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows) {
        return rows.as(org.apache.spark.sql.Encoders.bean(Bean.class)).javaRDD();
    }
}
