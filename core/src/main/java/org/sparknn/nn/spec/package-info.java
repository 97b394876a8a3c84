/** What a model is, as data: layer, network and model specs (spec.json) and the input normalization. */
package org.sparknn.nn.spec;
