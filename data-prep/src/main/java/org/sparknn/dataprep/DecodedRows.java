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
}
