package org.sparknn.nn.spec;

import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A setting of a model, a training run or a job has a value it cannot take. The message names the
 * settings by their concept names, which are the Spark ML params' names ({@code epochs},
 * {@code batchSize}, {@code numPartitions}); each front end says them in its own words, the
 * command line as its flags ({@link #messageWith}).
 */
public class SettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> settings;

    /** @param settings the concept names the message uses */
    public SettingException(String message, String... settings) {
        super(message);
        this.settings = List.of(settings);
    }

    public List<String> settings() {
        return settings;
    }

    /** The message with each setting's name as {@code rename} gives it. */
    public String messageWith(UnaryOperator<String> rename) {
        String m = getMessage();
        for (String s : settings) {
            m = m.replaceAll("\\b" + Pattern.quote(s) + "\\b", Matcher.quoteReplacement(rename.apply(s)));
        }
        return m;
    }
}
