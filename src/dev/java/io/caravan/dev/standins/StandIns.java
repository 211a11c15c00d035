package io.caravan.dev.standins;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * The default run with only a JDK ({@code caravan.dev.stand-ins=true}, dev source set only): before
 * the application context is created, each dependency is probed at its configured address; one that
 * answers is used as is, one that does not is started in-process on a free loopback port, and its
 * address replaces the configured one (property source {@value #PROPERTY_SOURCE}, highest precedence).
 * One table at start-up says which is which and what a stand-in does not do. The stand-ins stop when
 * the context closes and, on Ctrl-C, after it has closed. The {@code prod} profile refuses to start them.
 */
public class StandIns implements ApplicationListener<ApplicationEvent>, Ordered {

    static final String PROPERTY_SOURCE = "caravanStandIns";
    private static final Logger LOG = LoggerFactory.getLogger(StandIns.class);
    private static final Pattern JDBC_URL =
            Pattern.compile("^jdbc:postgresql://([^/:?,]+)(?::(\\d+))?/([A-Za-z0-9_]+)(\\?.*)?$");

    private RunningStandIns running;

    @Override
    public int getOrder() {
        // after logging is configured, so the stand-ins' own start-up logs are shown
        return LoggingApplicationListener.DEFAULT_ORDER + 1;
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            start(prepared.getEnvironment(), prepared.getSpringApplication());
        } else if (event instanceof ApplicationPreparedEvent prepared && running != null
                && prepared.getApplicationContext().getBeanFactory() instanceof DefaultListableBeanFactory factory) {
            // registered before every other bean, so destroyed after all of them: connections close first
            factory.registerSingleton("caravanStandIns", running);
            factory.registerDisposableBean("caravanStandIns", running::close);
        } else if (event instanceof ApplicationFailedEvent && running != null) {
            running.close();
        }
    }

    private void start(ConfigurableEnvironment env, SpringApplication application) {
        StandInSettings settings = Binder.get(env).bindOrCreate("caravan.dev", StandInSettings.class);
        if (!settings.standIns()) {
            return;
        }
        if (env.acceptsProfiles(Profiles.of("prod"))) {
            throw new IllegalStateException("caravan.dev.stand-ins=true is refused under the prod profile: production "
                    + "uses the configured services only. Remove the setting (or the prod profile for a local run).");
        }
        Path dataDir = settings.dataDir();
        Map<String, Object> overrides = new LinkedHashMap<>();
        List<String[]> rows = new ArrayList<>();
        Map<String, Callable<StandIn>> missing = new LinkedHashMap<>();

        Matcher jdbc = JDBC_URL.matcher(env.getProperty("spring.datasource.url", ""));
        if (jdbc.matches()) {
            String host = jdbc.group(1);
            int port = jdbc.group(2) == null ? 5432 : Integer.parseInt(jdbc.group(2));
            probe("PostgreSQL", host, port, rows, missing, () -> PostgresStandIn.start(dataDir, jdbc.group(3)));
        } else {
            rows.add(row("PostgreSQL", "real (not probed)", env.getProperty("spring.datasource.url", ""), "", ""));
        }
        probe("RabbitMQ", env.getProperty("spring.rabbitmq.host", "localhost"),
                env.getProperty("spring.rabbitmq.port", Integer.class, 5672), rows, missing, () -> RabbitStandIn.start(dataDir));
        probe("Redis", env.getProperty("spring.data.redis.host", "localhost"),
                env.getProperty("spring.data.redis.port", Integer.class, 6379), rows, missing, () -> RedisStandIn.start(dataDir));
        URI bolt = URI.create(env.getProperty("spring.neo4j.uri", "bolt://localhost:7687"));
        probe("Neo4j", bolt.getHost(), bolt.getPort() < 0 ? 7687 : bolt.getPort(), rows, missing,
                () -> Neo4jStandIn.start(dataDir));
        probe("Qdrant", env.getProperty("camel.component.qdrant.host", "localhost"),
                env.getProperty("camel.component.qdrant.port", Integer.class, 6334), rows, missing, QdrantStandIn::start);

        running = new RunningStandIns();
        for (StandIn standIn : startAll(missing)) {
            running.add(standIn);
            rows.set(indexOf(rows, standIn.service()),
                    row(standIn.service(), standIn.what(), standIn.address(), standIn.data(), standIn.caveats()));
            overrides.putAll(properties(standIn, jdbc.matches() ? jdbc.group(3) : null));
        }
        if (!overrides.isEmpty()) {
            env.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, overrides));
            // Ctrl-C: Spring's shutdown hook closes the context first, then runs this
            SpringApplication.getShutdownHandlers().add(running::close);
        } else {
            running = null;
        }
        LOG.info("Dependencies (caravan.dev.stand-ins=true; embedded data under {}):\n{}",
                dataDir.toAbsolutePath().normalize(), table(rows));
    }

    private static void probe(String service, String host, int port, List<String[]> rows,
                              Map<String, Callable<StandIn>> missing, Callable<StandIn> starter) {
        if (Ports.answers(host, port)) {
            rows.add(row(service, "real", host + ":" + port, "", ""));
        } else {
            rows.add(row(service, "not reachable at " + host + ":" + port, "", "", ""));
            missing.put(service, starter);
        }
    }

    /** Starts the missing ones side by side; if one fails, the others are stopped and the failure thrown. */
    private static List<StandIn> startAll(Map<String, Callable<StandIn>> missing) {
        List<StandIn> started = new ArrayList<>();
        if (missing.isEmpty()) {
            return started;
        }
        ExecutorService pool = Executors.newFixedThreadPool(missing.size(), r -> new Thread(r, "caravan-stand-in-start"));
        try {
            Map<String, Future<StandIn>> futures = new LinkedHashMap<>();
            missing.forEach((service, starter) -> futures.put(service, pool.submit(starter)));
            RuntimeException failure = null;
            for (Map.Entry<String, Future<StandIn>> f : futures.entrySet()) {
                try {
                    started.add(f.getValue().get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : new IllegalStateException(
                            "Could not start the embedded stand-in for " + f.getKey() + ": " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("Interrupted while starting the stand-ins", e);
                }
            }
            if (failure != null) {
                RunningStandIns cleanup = new RunningStandIns();
                started.forEach(cleanup::add);
                cleanup.close();
                throw failure;
            }
            return started;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Object> properties(StandIn standIn, String database) {
        Map<String, Object> p = new LinkedHashMap<>();
        String host = Ports.LOOPBACK;
        int port = Integer.parseInt(standIn.address().substring(standIn.address().lastIndexOf(':') + 1));
        switch (standIn.service()) {
            case "PostgreSQL" -> {
                p.put("spring.datasource.url", "jdbc:postgresql://" + host + ":" + port + "/" + database);
                p.put("spring.datasource.username", "postgres");
                p.put("spring.datasource.password", "");
            }
            case "RabbitMQ" -> {
                p.put("spring.rabbitmq.host", host);
                p.put("spring.rabbitmq.port", port);
                p.put("spring.rabbitmq.username", RabbitStandIn.USER);
                p.put("spring.rabbitmq.password", RabbitStandIn.PASSWORD);
                p.put("spring.rabbitmq.virtual-host", RabbitStandIn.VIRTUAL_HOST);
                // Qpid has no RabbitMQ management API; a closed port makes the queue stats use a passive declare
                // rather than read some other broker's numbers
                p.put("caravan.broker.management.url", "http://" + host + ":" + Ports.free());
            }
            case "Redis" -> {
                p.put("spring.data.redis.host", host);
                p.put("spring.data.redis.port", port);
                p.put("spring.data.redis.password", "");
            }
            case "Neo4j" -> p.put("spring.neo4j.uri", standIn.address());
            case "Qdrant" -> {
                p.put("camel.component.qdrant.host", host);
                p.put("camel.component.qdrant.port", port);
                p.put("camel.component.qdrant.tls", false);
                p.put("camel.component.qdrant.api-key", "");
            }
            default -> throw new IllegalArgumentException(standIn.service());
        }
        return p;
    }

    private static String[] row(String service, String kind, String address, String data, String caveats) {
        return new String[] {service, kind, address, data, caveats};
    }

    private static int indexOf(List<String[]> rows, String service) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i)[0].equals(service)) {
                return i;
            }
        }
        throw new IllegalArgumentException(service);
    }

    static String table(List<String[]> rows) {
        String[] head = {"dependency", "running", "address", "data", "does not enforce"};
        int[] width = new int[4];
        for (String[] r : concat(head, rows)) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : concat(head, rows)) {
            out.append(String.format("  %-" + width[0] + "s | %-" + width[1] + "s | %-" + width[2] + "s | %-"
                    + width[3] + "s | %s%n", (Object[]) r));
        }
        return out.toString();
    }

    private static List<String[]> concat(String[] head, List<String[]> rows) {
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        return all;
    }
}
