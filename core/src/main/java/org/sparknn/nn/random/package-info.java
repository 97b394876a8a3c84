/** Seeds derived from (seed, epoch, step, partition), so every random choice is the same wherever it is made. */
package org.sparknn.nn.random;
