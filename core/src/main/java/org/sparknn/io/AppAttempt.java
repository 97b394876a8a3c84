package org.sparknn.io;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.spark.SparkContext;

/**
 * The run of its Spark application this driver is. YARN runs a lost application master again, up
 * to {@code spark.yarn.maxAppAttempts} times, as a new attempt of the same application: same
 * application id, attempt "2". Such a retry continues the work of the attempt that was lost: it
 * may replace the outputs that attempt published and resume from the checkpoints it wrote, which
 * it recognizes by the application id they record. Outside YARN cluster mode there is no attempt
 * id and every run is a first one.
 *
 * @param attemptId null when the cluster manager does not number attempts
 */
public record AppAttempt(String applicationId, String attemptId) {
    /** The file in every published output that names the application attempt that wrote it. */
    public static final String MARKER = "_application.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public AppAttempt {
        if (applicationId == null || applicationId.isEmpty()) {
            throw new IllegalArgumentException("an application attempt needs the application id");
        }
    }

    /** This driver's attempt. */
    public static AppAttempt of(SparkContext sc) {
        return new AppAttempt(sc.applicationId(), sc.applicationAttemptId().isDefined() ? sc.applicationAttemptId().get() : null);
    }

    /** Whether an earlier attempt of this application ran before this one. */
    @JsonIgnore
    public boolean isRetry() {
        return attemptId != null && !attemptId.equals("1");
    }

    /** Whether {@code other} is an earlier attempt of this application (this one being a retry). */
    public boolean continues(AppAttempt other) {
        return isRetry() && other != null && other.applicationId.equals(applicationId)
            && !java.util.Objects.equals(other.attemptId, attemptId);
    }

    /** The marker's content. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a marker; null when {@code json} is not one. */
    public static AppAttempt fromJson(String json) {
        try {
            return JSON.readValue(json, AppAttempt.class);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return attemptId == null ? applicationId : "attempt " + attemptId + " of " + applicationId;
    }
}
