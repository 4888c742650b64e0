// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.exception.DockerException;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;

/** Turns docker-java's unchecked failures into Hearth's checked sandbox errors with readable messages. */
final class DockerErrors {

    private DockerErrors() {
    }

    static SandboxException translate(String operation, RuntimeException e) {
        if (isUnreachable(e)) {
            return new EngineUnavailableException("cannot " + operation + ": the Docker engine stopped answering ("
                    + rootMessage(e) + ")", e);
        }
        if (e instanceof DockerException de) {
            return new SandboxException("cannot " + operation + ": the Docker engine answered " + de.getHttpStatus()
                    + ": " + engineMessage(de), e);
        }
        return new SandboxException("cannot " + operation + ": " + rootMessage(e), e);
    }

    /** Whether the failure is a transport one: no socket, refused, reset. */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof SocketException
                    || t instanceof java.nio.file.NoSuchFileException
                    || (t instanceof IOException && String.valueOf(t.getMessage()).contains("No such file"))) {
                return true;
            }
        }
        return false;
    }

    /** The engine's own message, from the JSON body docker-java puts in the exception text. */
    static String engineMessage(DockerException e) {
        String m = String.valueOf(e.getMessage());
        int at = m.indexOf("{\"message\":\"");
        if (at >= 0) {
            int end = m.indexOf("\"}", at);
            return m.substring(at + 12, end > 0 ? end : m.length()).replace("\\\"", "\"");
        }
        return m.strip();
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
