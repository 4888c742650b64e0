// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Long-running services (coordinator, agent) log at INFO unless HEARTH_LOG_LEVEL says otherwise, and route
 * java.util.logging (Helidon's) into the same structured lines.
 */
final class ServiceLogging {

    private ServiceLogging() {
    }

    static void infoUnlessSet(Map<String, String> env) {
        // java.util.logging (Helidon's) into SLF4J, so every line has one structured form
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        String level = env.get("HEARTH_LOG_LEVEL");
        if (level == null || level.isBlank()) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        }
    }
}
