// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a runnable command prints on standard output. Every command class that runs (a {@code Callable} or
 * {@code Runnable}) carries it, and every {@link Kind#DATA} command has {@code --json} ({@link JsonOutput});
 * {@code PrintsDeclaredTest} walks the command tree and fails on a command without either.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface Prints {

    /** What the command prints. */
    Kind value();

    /** The kinds of output. */
    enum Kind {
        /** Data a script may read (a list, a document, a result): has {@code --json}. */
        DATA,
        /** A confirmation line, or one value a script uses as it is (an id, a secret printed once, a path). */
        MESSAGE,
        /** Bytes in a format of their own (logs, a receipt, an export, a completion script, a manual page). */
        STREAM,
        /** Nothing on standard output: a service that runs until stopped, or an interactive session. */
        SERVICE
    }
}
