/** The state of a training run (parameters, optimizer state, step) and augmentation of the training images. */
package org.sparknn.nn.train;
