/** A network built from its spec: the layers wired together, forward, backward and inference passes. */
package org.sparknn.nn.model;
