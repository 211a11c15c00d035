package io.caravan.dev.standins;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports: is something listening, and a free one for a stand-in. */
final class Ports {

    static final String LOOPBACK = "127.0.0.1";
    private static final int PROBE_TIMEOUT_MS = 500;

    private Ports() {
    }

    static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MS);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A port the OS picked as free just now; never a service's standard port, so nothing real is shadowed. */
    static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port for a stand-in", e);
        }
    }
}
