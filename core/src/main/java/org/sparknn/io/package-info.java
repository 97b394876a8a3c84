/**
 * What every job shares around its work: Hadoop file access with errors that name the file,
 * outputs published atomically (and recognized by a later attempt of the same application), the
 * local file system without forked chmod, progress lines, and the job launcher that parses options
 * and maps failures to exit codes.
 */
package org.sparknn.io;
