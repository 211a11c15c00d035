package io.caravan.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * The services the tests talk to for real. If one is not reachable the tests fail at once with a
 * message saying which and how to start it; they never fall back to a fake.
 */
public final class RealServices {

    private RealServices() {
    }

    public static String rabbitHost() {
        return env("RABBITMQ_HOST", "127.0.0.1");
    }

    public static int rabbitPort() {
        return Integer.parseInt(env("RABBITMQ_PORT", "5672"));
    }

    /** Throws with one line per unreachable service. */
    public static void requireReachable() {
        List<String> missing = new ArrayList<>();
        check(missing, "RabbitMQ", rabbitHost(), rabbitPort(), "rabbitmq-server -detached");
        check(missing, "PostgreSQL", env("PGHOST", "127.0.0.1"), Integer.parseInt(env("PGPORT", "5432")),
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");
        check(missing, "Redis", env("REDIS_HOST", "127.0.0.1"), Integer.parseInt(env("REDIS_PORT", "6379")),
                "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no");
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Caravan's tests need real services (CI=" + System.getenv("CI") + "):\n  "
                    + String.join("\n  ", missing));
        }
    }

    private static void check(List<String> missing, String name, String host, int port, String start) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
        } catch (IOException e) {
            missing.add(name + " is not reachable at " + host + ":" + port + " (" + e.getMessage() + "); start it with: " + start);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
