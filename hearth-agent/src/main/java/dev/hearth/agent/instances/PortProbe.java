// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Tells whether a TCP port is free on this host: nothing listens on it, on loopback or on all addresses. */
final class PortProbe {

    private PortProbe() {
    }

    static boolean free(int port) {
        return bindable(InetAddress.getLoopbackAddress(), port) && bindable(null, port);
    }

    private static boolean bindable(InetAddress address, int port) {
        try (ServerSocket s = new ServerSocket()) {
            // SO_REUSEADDR, as every server sets it: connections in TIME_WAIT do not make a port busy, a listener does.
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
