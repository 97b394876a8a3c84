package org.sparknn.nn.optim;

import org.sparknn.nn.spec.SettingException;

/**
 * An optimizer chosen by name ({@code adam}, {@code adamw} or {@code sgd}) with the settings of
 * each kind named at the call site; a kind ignores the others' settings. Unset settings keep
 * Keras' defaults: betas 0.9 and 0.999, epsilon 1e-7, no weight decay, no momentum.
 */
public final class OptimizerChoice {
    private final String name;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-7;
    private double weightDecay;
    private double momentum;
    private boolean nesterov;

    private OptimizerChoice(String name) {
        this.name = name;
    }

    public static OptimizerChoice named(String name) {
        return new OptimizerChoice(name);
    }

    /** Adam's and AdamW's moment decay rates. */
    public OptimizerChoice betas(double beta1, double beta2) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        return this;
    }

    /** Adam's and AdamW's denominator term. */
    public OptimizerChoice epsilon(double epsilon) {
        this.epsilon = epsilon;
        return this;
    }

    /** AdamW's decoupled weight decay. */
    public OptimizerChoice weightDecay(double weightDecay) {
        this.weightDecay = weightDecay;
        return this;
    }

    /** SGD's momentum, Nesterov's or classical. */
    public OptimizerChoice momentum(double momentum, boolean nesterov) {
        this.momentum = momentum;
        this.nesterov = nesterov;
        return this;
    }

    public Optimizer build() {
        return switch (name) {
            case "adam" -> new Adam(beta1, beta2, epsilon, 0);
            case "adamw" -> new Adam(beta1, beta2, epsilon, weightDecay);
            case "sgd" -> new Sgd(momentum, nesterov);
            default -> throw new SettingException("optimizer must be adam, adamw or sgd, got '" + name + "'", "optimizer");
        };
    }
}
