// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * A server library measured by {@code ws-servers}, by its command-line name, with the Maven artifact whose version
 * on the classpath is reported beside its figures.
 */
public enum Candidate {
    /** Helidon SE 4 WebServer with its WebSocket routing; virtual threads. What the coordinator uses. */
    HELIDON("helidon", "Helidon SE", "io.helidon.webserver", "helidon-webserver"),
    /** Vert.x 5 core HTTP server; answers on the event loop. */
    VERTX("vertx", "Vert.x", "io.vertx", "vertx-core"),
    /** Javalin 7 on Jetty 12 with virtual threads. */
    JAVALIN("javalin", "Javalin", "io.javalin", "javalin");

    private final String cliName;
    private final String title;
    private final String groupId;
    private final String artifactId;

    Candidate(String cliName, String title, String groupId, String artifactId) {
        this.cliName = cliName;
        this.title = title;
        this.groupId = groupId;
        this.artifactId = artifactId;
    }

    /** Its name in {@code --servers}: helidon, vertx, javalin. */
    public String cliName() {
        return cliName;
    }

    /** Its name and version, e.g. "Helidon SE 4.3.1". */
    public String titleAndVersion() {
        return title + " " + version();
    }

    /**
     * The version of its artifact on this classpath, from the {@code pom.properties} that Maven puts in every jar
     * (and the shaded jar keeps); "?" when it is missing.
     */
    public String version() {
        String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = Candidate.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "?";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "?");
        } catch (IOException e) {
            return "?";
        }
    }

    /** The candidate named {@code name} in {@code --servers}, or null. */
    static Candidate byCliName(String name) {
        for (Candidate c : values()) {
            if (c.cliName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** Starts its server on 127.0.0.1 and a free port, in this JVM. */
    WsServer start() throws InterruptedException {
        return switch (this) {
            case HELIDON -> HelidonWsServer.start();
            case VERTX -> VertxWsServer.start();
            case JAVALIN -> JavalinWsServer.start();
        };
    }
}
