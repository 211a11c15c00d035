package io.caravan.dev.standins;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.model.SystemConfig;

/**
 * An AMQP 0-9-1 broker in this JVM: Apache Qpid Broker-J, in memory. It is not RabbitMQ. It takes
 * Caravan's topology (exchanges, durable queues, bindings), persistent messages, publisher confirms,
 * mandatory returns, prefetch and manual acks; RabbitMQ's queue arguments ({@code x-message-ttl},
 * {@code x-max-length}, {@code x-overflow}, {@code x-dead-letter-*}) are accepted and ignored, because
 * Qpid would otherwise close the connection on them. So on the stand-in a retry queue holds its
 * messages instead of handing them back after the delay (nothing loops), and length limits are not
 * enforced. Poison messages are parked by Caravan itself and reach {@code <queue>.dlq} as on RabbitMQ.
 */
final class RabbitStandIn {

    static final String VIRTUAL_HOST = "caravan";
    static final String USER = "guest";
    static final String PASSWORD = "guest";
    static final String NOT_ENFORCED = "not RabbitMQ: ignores x-message-ttl, x-max-length(-bytes), x-overflow, "
            + "x-dead-letter-*; so retry queues hold messages (no delayed retry, no loop), queue limits are not "
            + "enforced (no outbox fallback when full); poison messages still reach <queue>.dlq (Caravan parks them); "
            + "no management API (queue stats from passive declare)";

    private RabbitStandIn() {
    }

    static StandIn start(Path dataDir) throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve("qpid").toAbsolutePath());
        int port = Ports.free();
        Path config = dir.resolve("initial-config.json");
        Files.writeString(config, initialConfig(port));
        // Left unset, Qpid reads its defaults from the URL "classpath:system.properties" (a resource it does not
        // ship). The JDK finds the handler for "classpath:" with the system class loader; in the packaged jar
        // (java -jar) Qpid is in a nested jar that loader cannot see, so start-up failed with "unknown protocol:
        // classpath". A real file needs no handler and sets nothing, as the missing resource did.
        Path systemProperties = dir.resolve("system.properties");
        Files.writeString(systemProperties, "# Qpid Broker-J system properties: none, Caravan's stand-in needs no more\n");
        SystemLauncher launcher = new SystemLauncher();
        launcher.startup(Map.of(
                SystemConfig.TYPE, "Memory",
                SystemConfig.INITIAL_CONFIGURATION_LOCATION, config.toUri().toString(),
                SystemConfig.INITIAL_SYSTEM_PROPERTIES_LOCATION, systemProperties.toUri().toString(),
                SystemConfig.STARTUP_LOGGED_TO_SYSTEM_OUT, false,
                SystemConfig.CONTEXT, Map.of("qpid.work_dir", dir.toString())));
        return new StandIn("RabbitMQ", "embedded Apache Qpid Broker-J 10 (AMQP 0-9-1, vhost " + VIRTUAL_HOST + ")",
                Ports.LOOPBACK + ":" + port, "none: in memory, queues and messages are gone after a restart",
                NOT_ENFORCED, () -> stop(launcher));
    }

    private static void stop(SystemLauncher launcher) {
        try {
            launcher.shutdown();
        } catch (IllegalStateException e) {
            // on Ctrl-C Qpid's own JVM shutdown hook may have stopped the broker already
            if (!String.valueOf(e.getMessage()).contains("not in ACTIVE state")) {
                throw e;
            }
        }
    }

    private static String initialConfig(int port) {
        return """
                {
                  "name": "caravan-stand-in",
                  "modelVersion": "8.0",
                  "context": { "queue.behaviourOnUnknownDeclareArgument": "IGNORE" },
                  "authenticationproviders": [ {
                    "name": "plain", "type": "Plain", "secureOnlyMechanisms": [],
                    "users": [ { "name": "%s", "type": "managed", "password": "%s" } ]
                  } ],
                  "ports": [ {
                    "name": "AMQP", "port": %d, "bindingAddress": "%s", "protocols": [ "AMQP_0_9_1" ],
                    "authenticationProvider": "plain",
                    "virtualhostaliases": [ { "name": "nameAlias", "type": "nameAlias" },
                                            { "name": "defaultAlias", "type": "defaultAlias" } ]
                  } ],
                  "virtualhostnodes": [ {
                    "name": "%s", "type": "Memory", "defaultVirtualHostNode": "true",
                    "virtualHostInitialConfiguration": "{\\"type\\": \\"Memory\\"}"
                  } ]
                }
                """.formatted(USER, PASSWORD, port, Ports.LOOPBACK, VIRTUAL_HOST);
    }
}
