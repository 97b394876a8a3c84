package org.sparknn.spark.ml;

/**
 * Hands a Spark ML stage its uid before the Scala superclass constructor runs: Spark's param
 * traits call {@code uid()} while they initialize, before a Java subclass's fields are assigned.
 * The public constructor stores the uid here in its {@code this(...)} argument; {@code uid()} reads
 * it until the field is set.
 */
final class PendingUid {
    private static final ThreadLocal<String> UID = new ThreadLocal<>();
    private static final PendingUid MARKER = new PendingUid();

    private PendingUid() {
    }

    static PendingUid set(String uid) {
        UID.set(uid);
        return MARKER;
    }

    static String peek() {
        return UID.get();
    }

    static String take() {
        String uid = UID.get();
        UID.remove();
        return uid;
    }
}
