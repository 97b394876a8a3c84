package org.sparknn.dataprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparknn.dataset.DatasetSchema;

/**
 * Labels that are probably mistakes. With {@code --class-names} the classes are known, and a row
 * whose label is outside them is rejected with the reason. Without it every label found becomes a
 * class, so data-prep warns about what looks wrong: class indices 0..max that no row has (a stray
 * label such as 12 in a ten-digit dataset), and class names that are blank, have surrounding
 * spaces, or look like numbers that are not whole ("3.5").
 */
final class LabelChecks {
    /** Listed in a warning at most; the count of the rest follows. */
    static final int LISTED = 20;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");

    private LabelChecks() {
    }

    /**
     * {@code decoded} ({@link DecodedRows#SCHEMA}) with every usable row whose class index is not
     * below {@code numClasses} rejected, its reason naming the classes of {@code --class-names}.
     */
    static Dataset<Row> rejectOutside(Dataset<Row> decoded, List<String> classNames) {
        int n = classNames.size();
        Column outside = col("reason").isNull().and(col(DatasetSchema.LABEL).geq(n));
        String reason = " is not a class index of --class-names, which gives " + n + " classes (0.." + (n - 1) + ")";
        return decoded.select(col(DatasetSchema.ID), col(DatasetSchema.LABEL),
            when(outside, lit(null)).otherwise(col(DatasetSchema.FEATURES)).as(DatasetSchema.FEATURES),
            col("source"),
            when(outside, concat(lit("label "), col(DatasetSchema.LABEL).cast("string"), lit(reason)))
                .otherwise(col("reason")).as("reason"));
    }

    /**
     * A warning about the class indices 0..max that no row has, or null when there are none.
     *
     * @param counts rows per class index 0..max
     */
    static String gaps(long[] counts, String where) {
        List<String> missing = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                if (missing.size() < LISTED) {
                    missing.add(String.valueOf(i));
                }
                count++;
            }
        }
        if (count == 0) {
            return null;
        }
        return "warning: the labels of " + where + " run from 0 to " + (counts.length - 1) + " but no row has "
            + (count == 1 ? "label " : count + " of them: ") + String.join(", ", missing) + (count > LISTED ? ", ..." : "")
            + "; each becomes a class without rows. If a label is a mistake, pass --class-names to reject the rows"
            + " outside the classes.";
    }

    /** A warning about class names that look like mistakes, or null when none does. */
    static String suspiciousNames(Collection<String> names, String where) {
        List<String> listed = new ArrayList<>();
        for (String name : names) {
            String why = suspicion(name);
            if (why != null && listed.size() < LISTED) {
                listed.add("'" + name + "' (" + why + ")");
            }
        }
        if (listed.isEmpty()) {
            return null;
        }
        return "warning: " + where + " has class names that look like mistakes: " + String.join(", ", listed)
            + "; each becomes a class. If they are mistakes, pass --class-names to reject the rows outside the classes.";
    }

    /** Why a class name looks like a mistake, or null. */
    static String suspicion(String name) {
        if (name.isBlank()) {
            return "blank";
        }
        if (!name.strip().equals(name)) {
            return "surrounding spaces";
        }
        if (NUMBER.matcher(name).matches() && !WHOLE.matcher(name).matches()) {
            return "a number that is not whole";
        }
        return null;
    }
}
