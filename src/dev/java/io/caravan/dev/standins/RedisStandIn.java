package io.caravan.dev.standins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import redis.embedded.RedisServer;

/** A real Redis 7.0 (org.signal embedded-redis: a static redis-server run as a child process). */
final class RedisStandIn {

    private RedisStandIn() {
    }

    static StandIn start(Path dataDir) throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve("redis").toAbsolutePath());
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
