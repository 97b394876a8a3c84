/** Helpers the Zeppelin notes call, so each paragraph stays short. */
package org.sparknn.notebook;
