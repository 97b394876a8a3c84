/** Optimizers (Adam, AdamW, SGD with momentum), learning-rate schedules and weight regularization. */
package org.sparknn.nn.optim;
