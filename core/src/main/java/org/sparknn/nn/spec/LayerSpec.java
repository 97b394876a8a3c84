package org.sparknn.nn.spec;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One layer of a {@link NetworkSpec}, Keras-like. Which options a type takes:
 * <ul>
 *   <li>{@code dense}: units, activation, init</li>
 *   <li>{@code conv2d}: filters, kernel ([h, w] or one size), strides, padding (valid|same), activation, init</li>
 *   <li>{@code maxpool2d}: pool ([h, w] or one size), strides (default: the pool size)</li>
 *   <li>{@code dropout}: rate</li>
 *   <li>{@code flatten}: nothing</li>
 *   <li>{@code activation}: activation</li>
 * </ul>
 * Every type takes an optional {@code name}. An option a type does not take is an error.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayerSpec(
    String type,
    String name,
    Integer units,
    Integer filters,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] kernel,
    Integer strides,
    String padding,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) int[] pool,
    Double rate,
    String activation,
    String init) {

    public static LayerSpec dense(int units, String activation) {
        return new LayerSpec("dense", null, units, null, null, null, null, null, null, activation, null);
    }

    public static LayerSpec conv2d(int filters, int kernel, String activation) {
        return new LayerSpec("conv2d", null, null, filters, new int[] {kernel, kernel}, null, null, null, null, activation, null);
    }

    public static LayerSpec conv2d(int filters, int kernel, int strides, String padding, String activation) {
        return new LayerSpec("conv2d", null, null, filters, new int[] {kernel, kernel}, strides, padding, null, null,
            activation, null);
    }

    public static LayerSpec maxPool(int pool) {
        return new LayerSpec("maxpool2d", null, null, null, null, null, null, new int[] {pool, pool}, null, null, null);
    }

    public static LayerSpec maxPool(int pool, int strides) {
        return new LayerSpec("maxpool2d", null, null, null, null, strides, null, new int[] {pool, pool}, null, null, null);
    }

    public static LayerSpec dropout(double rate) {
        return new LayerSpec("dropout", null, null, null, null, null, null, null, rate, null, null);
    }

    public static LayerSpec flatten() {
        return new LayerSpec("flatten", null, null, null, null, null, null, null, null, null, null);
    }

    public static LayerSpec activation(String activation) {
        return new LayerSpec("activation", null, null, null, null, null, null, null, null, activation, null);
    }

    /** This layer with the given name. */
    public LayerSpec withName(String newName) {
        return new LayerSpec(type, newName, units, filters, kernel, strides, padding, pool, rate, activation, init);
    }

    /** This layer with the given activation. */
    public LayerSpec withActivation(String newActivation) {
        return new LayerSpec(type, name, units, filters, kernel, strides, padding, pool, rate, newActivation, init);
    }

    /** The layer as it stands in a spec's JSON, on one line. */
    public String toJson() {
        try {
            return NetworkSpec.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a layer spec as JSON", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec l && java.util.Objects.equals(type, l.type) && java.util.Objects.equals(name, l.name)
            && java.util.Objects.equals(units, l.units) && java.util.Objects.equals(filters, l.filters)
            && java.util.Arrays.equals(kernel, l.kernel) && java.util.Objects.equals(strides, l.strides)
            && java.util.Objects.equals(padding, l.padding) && java.util.Arrays.equals(pool, l.pool)
            && java.util.Objects.equals(rate, l.rate) && java.util.Objects.equals(activation, l.activation)
            && java.util.Objects.equals(init, l.init);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, name, units, filters, java.util.Arrays.hashCode(kernel), strides, padding,
            java.util.Arrays.hashCode(pool), rate, activation, init);
    }
}
