package io.caravan.dev.standins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

/** A real Redis 7.0 (org.signal embedded-redis: a static redis-server run as a child process). */
final class RedisStandIn {

    private RedisStandIn() {
    }

    /** Attempts at starting the server: see {@link #textFileBusy}. */
    private static final int ATTEMPTS = 3;

    static StandIn start(Path dataDir) throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve("redis").toAbsolutePath());
        for (int attempt = 1; ; attempt++) {
            try {
                return startIn(dir);
            } catch (IOException | RuntimeException e) {
                if (attempt == ATTEMPTS || !textFileBusy(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * The library writes its redis-server binary to a new temporary file and runs it at once; if another thread of
     * the JVM starts a process in between, that child inherits the file still open for writing and the exec fails
     * with ETXTBSY ("Text file busy"). A second attempt (a new file) starts normally.
     */
    private static boolean textFileBusy(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (String.valueOf(cause.getMessage()).contains("Text file busy")) {
                return true;
            }
        }
        return false;
    }

    private static StandIn startIn(Path dir) throws IOException {
        int port = Ports.free();
        RedisServer redis = RedisServer.builder()
                .bind(Ports.LOOPBACK)
                .port(port)
                .setting("dir " + dir)
                // an append-only file, so sessions and counters survive a restart like a real server's
                .setting("appendonly yes")
                .setting("save \"\"")
                .setting("daemonize no")
                .build();
        redis.start();
        return new StandIn("Redis", "embedded Redis 7.0 (org.signal embedded-redis)",
                Ports.LOOPBACK + ":" + port, dir.toString(), "", redis::stop);
    }
}
