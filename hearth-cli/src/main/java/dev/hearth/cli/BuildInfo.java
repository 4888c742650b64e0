// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build is: the project version and the git commit it was built from, stamped into
 * {@code dev/hearth/cli/build.properties} by the build ({@code scripts/release} and {@code bin/hearth} pass
 * {@code -Dhearth.commit}; a plain {@code mvn package} says {@code unknown}). Immutable.
 */
record BuildInfo(String version, String commit) {

    static final String RESOURCE = "build.properties";
    static final String UNKNOWN = "unknown";

    /** This build's stamp; a jar built without it (classes run from an IDE) reads as a development build. */
    static BuildInfo current() {
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new BuildInfo("development", UNKNOWN);
            }
            Properties p = new Properties();
            p.load(in);
            return of(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + " from the hearth jar", e);
        }
    }

    /** The stamp in {@code p}; what the build left empty or unfilled reads as development / unknown. */
    static BuildInfo of(Properties p) {
        return new BuildInfo(stamped(p.getProperty("version"), "development"), stamped(p.getProperty("commit"),
                UNKNOWN));
    }

    /** A property's value, or {@code fallback} where the build left it empty or unfilled ({@code ${...}}). */
    private static String stamped(String value, String fallback) {
        return value == null || value.isBlank() || value.contains("${") ? fallback : value.strip();
    }

    /** The version as the agent reports it to the coordinator: {@code 0.1.0+3f2a9c1d0b7e}. */
    String agentVersion() {
        return commit.equals(UNKNOWN) ? version : version + "+" + commit;
    }

    /** The lines of {@code hearth --version}. */
    String[] versionLines() {
        return new String[] {"hearth " + version + " (commit " + commit + ")",
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }
}
