// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.nio.file.Path;
import java.util.Map;

/** Where Hearth keeps its state by default: HEARTH_HOME, else ~/.hearth. */
final class HearthPaths {

    private HearthPaths() {
    }

    static Path home(Map<String, String> env) {
        String home = env.get("HEARTH_HOME");
        return home != null && !home.isBlank() ? Path.of(home)
                : Path.of(System.getProperty("user.home"), ".hearth");
    }

    /** The coordinator's data folder: store and admin token. */
    static Path coordinatorData(Map<String, String> env) {
        return home(env).resolve("coordinator");
    }

    /** The agent's state folder: identity key and result outbox. */
    static Path agentState(Map<String, String> env) {
        return home(env).resolve("agent");
    }
}
