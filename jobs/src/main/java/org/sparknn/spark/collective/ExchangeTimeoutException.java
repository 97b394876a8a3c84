package org.sparknn.spark.collective;

/** A task waited longer than the exchange timeout for a peer's message; the message names the peer. */
public final class ExchangeTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExchangeTimeoutException(String message) {
        super(message);
    }
}
