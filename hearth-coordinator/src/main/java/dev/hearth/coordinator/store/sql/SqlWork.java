// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import java.sql.Connection;
import java.sql.SQLException;

/** The body of one transaction: runs on a connection that is already inside the transaction. */
@FunctionalInterface
interface SqlWork<T> {

    /** Does the work; the caller commits when it returns and rolls back when it throws. */
    T run(Connection connection) throws SQLException;
}
