/** Model files: the model directory (spec.json and weights.bin), checksummed float arrays, and the error a bad file raises. */
package org.sparknn.nn.io;
