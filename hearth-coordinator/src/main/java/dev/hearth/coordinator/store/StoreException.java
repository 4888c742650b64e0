// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/**
 * The database failed an operation: it could not be opened or migrated, or a statement failed. The message names
 * the operation and the ids involved; the cause is the database's own error.
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure of {@code operation} (which names its ids, e.g. "grant lease of job j1 to node n1"). */
    public StoreException(String operation, Throwable cause) {
        super("store: " + operation + " failed: " + cause.getMessage(), cause);
    }
}
