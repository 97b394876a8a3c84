package org.sparknn.spark.collective;

/** What tests may see of this JVM's exchange. */
public final class ExchangeProbe {
    private ExchangeProbe() {
    }

    /** Messages waiting in this JVM's mailboxes. */
    public static int waiting() {
        return Exchange.get().waiting();
    }
}
