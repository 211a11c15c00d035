package io.caravan.dev.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.caravan.support.Http;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.util.FileSystemUtils;

/**
 * The dev jar as a user runs it with only a JDK: {@code java -jar target/caravan-*.jar} from the project directory,
 * every dependency's address a closed port. All five stand-ins start inside (or under) that JVM; {@code POST /chat}
 * is answered through the broker stand-in and its row lands in the embedded PostgreSQL whose address the start-up
 * table reports; SIGTERM then stops Caravan and every stand-in, the PostgreSQL and Redis server processes included.
 *
 * <p>Failsafe runs it after {@code package} in {@code ./mvnw verify} (profile {@code standins}), on the jar that phase
 * built ({@code caravan.jar}).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class PackagedJarIT {

    private static final Pattern HTTP_PORT = Pattern.compile("Tomcat started on port (\\d+)");
    // generous: on a 2-core machine shared with other builds (load average above 20) it took 275 s to start
    private static final Duration START_UP = Duration.ofMinutes(8);

    private final Path dataDir = Path.of("target", "packaged-jar-it", "data").toAbsolutePath();
    private final Path log = Path.of("target", "packaged-jar-it", "caravan.log").toAbsolutePath();
    private Process caravan;
    private final List<ProcessHandle> children = new ArrayList<>();

    @Test
    void theDevJarRunsOnStandInsAnswersChatStoresTheRowAndStopsThemAllOnSigterm() throws Exception {
        Path jar = Path.of(System.getProperty("caravan.jar", "target/caravan-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        assertThat(jar).as("the dev jar built by package").isRegularFile();
        FileSystemUtils.deleteRecursively(dataDir);
        Files.createDirectories(dataDir);

        ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(),
                "--server.port=0",
                "--caravan.dev.stand-ins=true",
                "--caravan.dev.data-dir=" + dataDir,
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/caravan",
                "--spring.rabbitmq.host=127.0.0.1", "--spring.rabbitmq.port=1",
                "--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=1",
                "--spring.neo4j.uri=bolt://127.0.0.1:1",
                "--camel.component.qdrant.host=127.0.0.1", "--camel.component.qdrant.port=1")
                // the project directory: its application.yaml and routes/, as for a user who built the jar there
                .directory(Path.of("").toAbsolutePath().toFile())
                // files only: the child must not hold the test JVM's pipes (Failsafe's channel), nor read its stdin
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        run.environment().remove("SPRING_PROFILES_ACTIVE");
        caravan = run.start();

        // given: Caravan up on five stand-ins
        int port = Integer.parseInt(awaitInLog(HTTP_PORT, START_UP).group(1));
        String token = Http.anonymous(port).post("/dev/token?user=jar-operator&roles=user,admin", "").json()
                .get("token").asText();
        Http operator = new Http(port, token);
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).failFast("Caravan exited", () -> !caravan.isAlive())
                .untilAsserted(() -> {
                    JsonNode health = operator.get("/actuator/health").json().get("components");
                    for (String component : new String[] {"db", "rabbit", "redis", "neo4j", "qdrant"}) {
                        assertThat(health.get(component).get("status").asText()).as(component + ": " + health.get(component))
                                .isEqualTo("UP");
                    }
                });
        String table = read(log);
        assertThat(table).as("start-up table").contains("Qpid Broker-J").contains("embedded PostgreSQL 17")
                .contains("embedded Redis 7.0").contains("embedded Neo4j").contains("Qdrant gRPC test server")
                .doesNotContain("| real ");
        String postgres = address(table, "PostgreSQL");
        String redis = address(table, "Redis");
        // Redis runs as a child of the JVM; pg_ctl detaches the postmaster, which names itself in its data directory
        ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(
                Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).trim())).orElseThrow();
        children.addAll(caravan.descendants().toList());
        children.add(postmaster);
        children.addAll(postmaster.descendants().toList());
        assertThat(children).as("stand-in processes")
                .anyMatch(p -> command(p).endsWith("/postgres")).anyMatch(p -> command(p).contains("redis-server"));

        // when: a chat message
        String user = "jar-" + UUID.randomUUID();
        var answer = new Http(port, token).postJson("/chat", Map.of("user_id", user, "message", "Hello from the jar"));

        // then: answered, accepted by the broker stand-in, stored in the embedded PostgreSQL
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.header("Caravan-Accepted-Via")).isEqualTo("broker");
        String id = answer.json().get("interaction_id").asText();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(userInput(postgres, id)).isEqualTo(user + ": Hello from the jar"));
        assertThat(operator.get("/chat/history/{user}", user).text()).contains(id);

        // when: stopped as a service manager stops it
        caravan.destroy();

        // then: Caravan exits cleanly, and so does every stand-in process it started
        assertThat(caravan.waitFor(2, TimeUnit.MINUTES)).as("Caravan stopped on SIGTERM").isTrue();
        assertThat(caravan.exitValue()).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(children).as("child processes left behind").noneMatch(ProcessHandle::isAlive));
        assertThat(Ports.answers("127.0.0.1", port(postgres))).as("PostgreSQL port closed").isFalse();
        assertThat(Ports.answers("127.0.0.1", port(redis))).as("Redis port closed").isFalse();
        assertThat(dataDir.resolve("postgres").resolve("postmaster.pid")).as("PostgreSQL shut down cleanly").doesNotExist();
        assertThat(read(log)).contains("Stopped the embedded PostgreSQL", "Stopped the embedded Redis",
                        "Stopped the embedded RabbitMQ", "Stopped the embedded Neo4j", "Stopped the embedded Qdrant")
                .doesNotContain("Could not stop the embedded");
    }

    @AfterEach
    void stopWhateverIsLeft() throws InterruptedException {
        if (caravan != null && caravan.isAlive()) {
            caravan.destroy();
            if (!caravan.waitFor(1, TimeUnit.MINUTES)) {
                caravan.destroyForcibly();
            }
        }
        // a failed test must not leave a postmaster or redis-server running on the machine
        Stream.concat(children.stream(), caravan == null ? Stream.empty() : caravan.descendants())
                .filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private Matcher awaitInLog(Pattern pattern, Duration atMost) throws IOException {
        Matcher[] found = new Matcher[1];
        try {
            await().atMost(atMost).pollInterval(Duration.ofSeconds(1))
                    .failFast("Caravan exited before it was up", () -> !caravan.isAlive())
                    .until(() -> {
                        Matcher m = pattern.matcher(read(log));
                        if (m.find()) {
                            found[0] = m;
                            return true;
                        }
                        return false;
                    });
        } catch (TerminalFailureException | ConditionTimeoutException e) {
            // the reason is in Caravan's log, which CI does not keep: show its first error
            String text = read(log);
            int error = Math.max(0, text.indexOf(" ERROR "));
            throw new AssertionError(e.getMessage() + "; " + log + " from its first ERROR:\n"
                    + text.substring(error, Math.min(text.length(), error + 4000)), e);
        }
        return found[0];
    }

    /** The stand-in's address from the start-up table, e.g. {@code 127.0.0.1:45565}. */
    private static String address(String table, String service) {
        Matcher m = Pattern.compile("(?m)^\\s*" + service + "\\s*\\| embedded [^|]*\\| (127\\.0\\.0\\.1:\\d+)\\s").matcher(table);
        assertThat(m.find()).as(service + " row in the start-up table").isTrue();
        return m.group(1);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static String userInput(String address, String id) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + address + "/caravan", "postgres", "");
             PreparedStatement q = c.prepareStatement("SELECT user_id || ': ' || user_input FROM chat_history WHERE id = ?")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String command(ProcessHandle process) {
        return process.info().command().orElse("");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
