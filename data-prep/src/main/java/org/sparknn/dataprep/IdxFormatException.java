package org.sparknn.dataprep;

/** An IDX file that does not match its header or its companion file. */
public final class IdxFormatException extends IllegalArgumentException {
    public IdxFormatException(String message) {
        super(message);
    }
}
