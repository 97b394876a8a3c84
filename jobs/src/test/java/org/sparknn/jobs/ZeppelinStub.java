package org.sparknn.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A stand-in for Zeppelin's {@code z} (SparkZeppelinContext) with the calls the notes make:
 * {@code textbox} answers from the test's values (else the note's default), {@code show} collects
 * the DataFrame the way Zeppelin's table display does and keeps its rows.
 */
public final class ZeppelinStub {
    private static ZeppelinStub current;
    private final Map<String, String> forms;
    private final List<List<Row>> shown = new ArrayList<>();

    ZeppelinStub(Map<String, String> forms) {
        this.forms = forms;
    }

    static synchronized void install(ZeppelinStub z) {
        current = z;
    }

    public static synchronized ZeppelinStub current() {
        return current;
    }

    public Object textbox(String name, String defaultValue) {
        return forms.getOrDefault(name, defaultValue);
    }

    public void show(Object o) {
        if (!(o instanceof Dataset<?> d)) {
            throw new IllegalArgumentException("z.show takes a DataFrame, got " + o);
        }
        shown.add(d.toDF().limit(1000).collectAsList());
    }

    List<List<Row>> shown() {
        return shown;
    }
}
