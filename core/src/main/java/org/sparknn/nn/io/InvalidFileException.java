package org.sparknn.nn.io;

import java.io.IOException;

/**
 * An input file whose content is not what it should be: truncated, corrupted, of another format
 * or version. The message names the file and says what was expected and what was found; the jobs
 * report it as an input error (exit code 2, no stack trace), like a bad option.
 */
public class InvalidFileException extends IOException {
    public InvalidFileException(String message) {
        super(message);
    }

    public InvalidFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
