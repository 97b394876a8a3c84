package org.sparknn.spark.input;

import org.sparknn.nn.spec.Normalization;

/**
 * How each row's features become the network's input: raw values are normalized with the
 * model's normalization; values already normalized with another normalization are first
 * turned back into raw values.
 *
 * @param undo  applied inversely first, or null
 * @param apply applied then, or null
 */
public record InputTransform(Normalization undo, Normalization apply) implements java.io.Serializable {
    public static final InputTransform NONE = new InputTransform(null, null);

    /** For input normalized with {@code input} (null: raw values) scored by a model normalizing with {@code model}. */
    public static InputTransform between(Normalization input, Normalization model) {
        if (input == null) {
            return new InputTransform(null, model);
        }
        return input.equals(model) ? NONE : new InputTransform(input, model);
    }

    /** True when the features are the model's input as they are (compared by value: tasks hold copies). */
    public boolean isIdentity() {
        return undo == null && apply == null;
    }

    public void applyInPlace(float[] x, int channels) {
        if (undo != null) {
            undo.invertInPlace(x, channels);
        }
        if (apply != null) {
            apply.applyInPlace(x, channels);
        }
    }
}
