package org.sparknn.spark.input;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.GetColumnByOrdinal;
import org.apache.spark.sql.catalyst.encoders.AgnosticEncoder;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.EvalMode;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * An encoder whose objects are Spark's own internal rows: {@code Dataset.mapPartitions} with it
 * hands a function the rows as Spark holds them (fields read in place, nothing converted to Java
 * objects) and takes internal rows back. It is how the readers take features out of a plan that
 * must stay a plan of Dataset operations, such as a streaming query, where
 * {@code queryExecution().toRdd()} is not available.
 *
 * <p>This depends on Spark internals (Catalyst expressions, {@link ExpressionEncoder}'s
 * constructor), which tests cover: the deserializer is a struct of the input columns by position
 * (an object operator keeps a struct-typed object as an internal row), and the serializer takes the
 * fields of the returned row by position. A row a function receives is valid until it asks for the
 * next one; it copies rows it keeps.
 */
public final class InternalRowEncoder {
    private InternalRowEncoder() {
    }

    /** The encoder of internal rows of {@code schema}. */
    public static ExpressionEncoder<InternalRow> of(StructType schema) {
        StructField[] fields = schema.fields();
        List<Expression> serializer = new ArrayList<>();
        List<Expression> deserializer = new ArrayList<>();
        BoundReference object = new BoundReference(0, schema, true);
        for (int i = 0; i < fields.length; i++) {
            Literal name = Literal.create(fields[i].name(), org.apache.spark.sql.types.DataTypes.StringType);
            serializer.add(name);
            serializer.add(new GetStructField(object, i, Option.apply(fields[i].name())));
            deserializer.add(name);
            // ExpressionEncoder turns GetStructField(GetColumnByOrdinal(0)) into the top-level column i
            deserializer.add(new GetStructField(new GetColumnByOrdinal(0, schema), i, Option.apply(fields[i].name())));
        }
        return new ExpressionEncoder<>(new Agnostic(schema),
            new CreateNamedStruct(CollectionConverters.asScala(serializer).toSeq()),
            // the cast gives the unresolved struct its type up front (an object operator asks for it
            // before analysis); the optimizer drops it, as the resolved struct has that very type
            new Cast(new CreateNamedStruct(CollectionConverters.asScala(deserializer).toSeq()), schema, Option.empty(),
                EvalMode.LEGACY()));
    }

    /** What ExpressionEncoder asks of its agnostic encoder: the class and the shape of its objects. */
    private record Agnostic(StructType schema) implements AgnosticEncoder<InternalRow> {
        @Override
        public boolean isPrimitive() {
            return false;
        }

        @Override
        public boolean nullable() {
            return false;
        }

        @Override
        public DataType dataType() {
            return schema;
        }

        @Override
        public boolean lenientSerialization() {
            return false;
        }

        @Override
        public boolean isStruct() {
            return true;
        }

        @Override
        public ClassTag<InternalRow> clsTag() {
            return ClassTag$.MODULE$.apply(InternalRow.class);
        }
    }
}
