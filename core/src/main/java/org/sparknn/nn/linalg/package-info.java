/** The BLAS the engine calls (native through dev.ludovic.netlib, else Java) and im2col for convolutions. */
package org.sparknn.nn.linalg;
