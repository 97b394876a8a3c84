package org.sparknn.spark.train;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.sparknn.nn.linalg.Blas;
import org.sparknn.nn.model.Network;
import org.sparknn.nn.spec.ModelSpec;
import org.sparknn.nn.train.InitialWeights;
import org.sparknn.nn.train.TrainState;

/**
 * One training run, assembled the same way by every front end (TrainJob, the Spark ML
 * estimator): the model spec and its network, the validated configuration, the cached training
 * and validation blocks, where the run starts, and the trainer. Closing it releases the blocks.
 */
public final class TrainingRun implements AutoCloseable {
    /**
     * Where a run starts.
     *
     * @param state the parameters and optimizer state
     * @param run   the step and history
     * @param best  the best weights so far when resuming with early stopping, else null
     * @param from  the checkpoint it continues, or null for a fresh start
     */
    public record Start(TrainState state, RunState run, float[] best, String from) {
    }

    private final ModelSpec spec;
    private final Network net;
    private final TrainConfig config;
    private final JavaRDD<Block> train;
    private final JavaRDD<Block> validation;
    private final DistributedTrainer trainer;
    private long rows = -1;

    /**
     * @param train      the training blocks (cached here)
     * @param validation the validation blocks (cached here), or null
     */
    public TrainingRun(SparkSession spark, ModelSpec spec, TrainConfig config, JavaRDD<Block> train,
                       JavaRDD<Block> validation) {
        this.spec = spec;
        this.net = Network.build(spec, Blas.get());
        config.frozenParams(net); // a freezeLayers the network cannot take fails before any data is cached
        this.config = config;
        this.train = Blocks.cache(train);
        this.validation = validation == null ? null : Blocks.cache(validation);
        this.trainer = new DistributedTrainer(spark, net, config);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Network network() {
        return net;
    }

    public TrainConfig config() {
        return config;
    }

    /** The training rows, counted once on the cluster (which also fills the blocks' cache). */
    public long rows() {
        if (rows < 0) {
            rows = DistributedTrainer.rows(train);
        }
        return rows;
    }

    public boolean validates() {
        return validation != null;
    }

    /** A fresh start: the network's initial parameters from the configured seed. */
    public Start fresh() {
        return new Start(TrainState.initial(net, config.optimizer(), config.regularization(), config.seed())
            .freeze(config.frozenParams(net)), RunState.start(), null, null);
    }

    /**
     * A start from another model's weights (fine-tuning): the layers it shares with this run's
     * network take its weights, a final dense layer of another class count starts fresh; zero
     * optimizer state.
     *
     * @param where names the initial model in errors and in the returned note
     * @return the start, and the note on a layer that starts fresh (null when none does)
     */
    public Map.Entry<Start, String> from(ModelSpec initial, float[] initialParams, String where) {
        float[] fresh = net.initialParams(config.seed());
        InitialWeights.Result r = InitialWeights.of(initial, initialParams, where, spec, net, fresh);
        TrainState state = new TrainState(net, config.optimizer(), config.regularization(), r.params(),
            new float[config.optimizer().stateSize(r.params().length)], 0).freeze(config.frozenParams(net));
        return Map.entry(new Start(state, RunState.start(), null, null), r.freshLayer() == null ? ""
            : r.freshLayer() + " starts from its own initialization: its class count differs from " + where + "'s");
    }

    /** The start from the newest checkpoint in {@code checkpoints}; a fresh start when it holds none. */
    public Start resume(Checkpoints checkpoints) throws IOException {
        Optional<Checkpoints.Loaded> loaded = checkpoints.latest(net.paramCount(),
            config.optimizer().stateSize(net.paramCount()));
        if (loaded.isEmpty()) {
            return fresh();
        }
        Checkpoints.Loaded l = loaded.get();
        return new Start(new TrainState(net, config.optimizer(), config.regularization(), l.params(), l.optimizerState(),
            l.optimizerSteps()).freeze(config.frozenParams(net)), l.run(), l.best(), l.path());
    }

    /** Trains from {@code start} to the end of the run, checkpointing into {@code checkpoints} when not null. */
    public DistributedTrainer.Result fit(Start start, Checkpoints checkpoints, DistributedTrainer.Listener listener)
            throws IOException {
        return trainer.fit(train, validation, start.state(), start.run(), start.best(), checkpoints, listener);
    }

    /** Mean loss and accuracy of {@code params} over {@code blocks} (no dropout). */
    public DistributedTrainer.LossAndAccuracy evaluate(JavaRDD<Block> blocks, float[] params) {
        return trainer.evaluate(blocks, params);
    }

    /** Releases the cached blocks. */
    @Override
    public void close() {
        train.unpersist(false);
        if (validation != null) {
            validation.unpersist(false);
        }
    }
}
