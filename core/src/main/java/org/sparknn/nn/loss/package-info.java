/** Loss functions and their gradients: softmax cross-entropy, mean squared error, hinge. */
package org.sparknn.nn.loss;
