/** Layers (dense, convolution, pooling, activations, dropout, flatten) as forward/backward pairs on flat buffers, with their shapes and initializers. */
package org.sparknn.nn.layer;
