package io.caravan.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A RabbitMQ cluster of its own for a test: {@code size} nodes of the machine's {@code rabbitmq-server}
 * (Debian), named {@code caravan-c1@localhost}, ..., on loopback ports of their own (AMQP 26701...,
 * distribution 26711...), with their data, logs, config, enabled plugins (none) and Erlang cookie under
 * {@code dir}. It never touches the machine's node (5672/25672, /var/lib/rabbitmq) and only uses its epmd
 * if one runs; otherwise it starts one of its own. Every process it starts it stops by pid.
 */
public final class RabbitCluster implements AutoCloseable {

    private static final String SBIN = "/usr/lib/rabbitmq/bin/"; // the scripts themselves, not the su wrappers
    private static final int AMQP_BASE = 26700;
    private static final int DIST_BASE = 26710;
    private static final String COOKIE = "caravan-cluster-test-cookie";

    private final Path dir;
    private final int size;
    private final Map<String, Process> wrappers = new LinkedHashMap<>();
    private final List<ProcessHandle> started = new ArrayList<>();
    private Process epmd;

    private RabbitCluster(Path dir, int size) {
        this.dir = dir;
        this.size = size;
    }

    /** Starts {@code size} nodes and joins them into one cluster with the first. */
    public static RabbitCluster start(Path dir, int size) throws Exception {
        RabbitCluster cluster = new RabbitCluster(dir, size);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        try {
            cluster.boot();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void boot() throws Exception {
        if (!Files.isExecutable(Path.of(SBIN + "rabbitmq-server"))) {
            throw new IllegalStateException("the cluster test needs Debian's rabbitmq-server: apt-get install rabbitmq-server");
        }
        for (int n = 1; n <= size; n++) {
            requireFree(amqpPort(n));
            requireFree(DIST_BASE + n);
        }
        deleteRecursively(dir);
        Files.createDirectories(dir);
        if (run(Duration.ofSeconds(10), "epmd", "-names").exitCode() != 0) {
            epmd = new ProcessBuilder("epmd", "-address", "127.0.0.1")
                    .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("epmd.log").toFile()).start();
            started.add(epmd.toHandle());
        }
        for (int n = 1; n <= size; n++) {
            startNode(n);
        }
        for (int n = 1; n <= size; n++) {
            awaitAmqp(n);
        }
        for (int n = 2; n <= size; n++) {
            ctl(n, "stop_app");
            ctl(n, "join_cluster", node(1));
            ctl(n, "start_app");
        }
        for (int n = 1; n <= size; n++) {
            awaitAmqp(n);
        }
    }

    /** {@code caravan-c<n>@localhost}. */
    public static String node(int n) {
        return "caravan-c" + n + "@localhost";
    }

    public static int amqpPort(int n) {
        return AMQP_BASE + n;
    }

    /** {@code 127.0.0.1:26701,127.0.0.1:26702,...}: spring.rabbitmq.addresses. */
    public String addresses() {
        List<String> addresses = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            addresses.add("127.0.0.1:" + amqpPort(n));
        }
        return String.join(",", addresses);
    }

    /** (Re)starts node {@code n} on its data directory; a node that was in the cluster rejoins it. */
    public void startNode(int n) throws IOException {
        Path base = dir.resolve("c" + n);
        Path home = base.resolve("home");
        Files.createDirectories(home);
        Path cookie = home.resolve(".erlang.cookie");
        if (!Files.exists(cookie)) {
            Files.writeString(cookie, COOKIE);
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
        }
        Files.writeString(base.resolve("enabled_plugins"), "[].\n");
        Files.writeString(base.resolve("rabbitmq.conf"), "loopback_users.guest = true\n");
        Files.writeString(base.resolve("rabbitmq-env.conf"), "");
        Files.deleteIfExists(base.resolve("beam.pid"));
        ProcessBuilder builder = new ProcessBuilder(SBIN + "rabbitmq-server")
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(base.resolve("console.log").toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.startsWith("ERL_"));
        env.put("HOME", home.toString());
        env.put("RABBITMQ_NODENAME", node(n));
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", String.valueOf(amqpPort(n)));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(DIST_BASE + n));
        env.put("RABBITMQ_MNESIA_BASE", base.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", base.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", base.resolve("beam.pid").toString());
        env.put("RABBITMQ_CONFIG_FILE", base.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", base.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", base.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_PLUGINS_EXPAND_DIR", base.resolve("plugins").toString());
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_SERVER_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        Process wrapper = builder.start();
        wrappers.put(node(n), wrapper);
        started.add(wrapper.toHandle());
    }

    /** The node's Erlang VM, once it wrote its pid file. */
    public ProcessHandle beam(int n) {
        Path pidFile = dir.resolve("c" + n).resolve("beam.pid");
        await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle beam = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(node(n) + " is not running"));
            if (!started.contains(beam)) {
                started.add(beam);
            }
            return beam;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9: the node dies at once, as when its machine is lost. */
    public void kill(int n) throws Exception {
        ProcessHandle beam = beam(n);
        new ProcessBuilder("kill", "-9", String.valueOf(beam.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> !beam.isAlive());
        Process wrapper = wrappers.get(node(n));
        if (wrapper != null) {
            wrapper.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A clean stop (SIGTERM), as for maintenance; the node's data stays. */
    public void stop(int n) throws Exception {
        ProcessHandle beam = beam(n);
        beam.destroy();
        await().atMost(Duration.ofSeconds(120)).until(() -> !beam.isAlive());
        Process wrapper = wrappers.get(node(n));
        if (wrapper != null) {
            wrapper.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Waits until node {@code n} accepts AMQP connections. */
    public void awaitAmqp(int n) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", amqpPort(n)), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The node that leads quorum queue {@code queue} in vhost {@code /} (asked of node {@code askNode}). */
    public int leaderOf(String queue, int askNode) throws Exception {
        Result listed = ctl(askNode, "list_queues", "-p", "/", "name", "leader", "--quiet", "--no-table-headers");
        Optional<String> leader = listed.output().lines().map(l -> l.split("\t"))
                .filter(f -> f.length >= 2 && f[0].equals(queue)).map(f -> f[1].trim()).findFirst();
        String name = leader.orElseThrow(() -> new IllegalStateException("no leader of " + queue + " in: " + listed.output()));
        for (int n = 1; n <= size; n++) {
            if (node(n).equals(name)) {
                return n;
            }
        }
        throw new IllegalStateException("leader " + name + " is not one of this cluster's nodes");
    }

    /** The nodes that node {@code askNode} sees running in its cluster. */
    public String runningNodes(int askNode) throws Exception {
        return ctl(askNode, "eval", "rabbit_nodes:all_running().").output().trim();
    }

    /** rabbitmqctl against node {@code n}; fails unless it succeeds. */
    public Result ctl(int n, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(SBIN + "rabbitmqctl", "-n", node(n)));
        command.addAll(List.of(arguments));
        Result result = run(Duration.ofSeconds(120), command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exitCode() + "): " + result.output());
        }
        return result;
    }

    private Result run(Duration timeout, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectErrorStream(true);
        Path out = Files.createTempFile(Files.createDirectories(dir), "cli", ".out");
        builder.redirectOutput(out.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.startsWith("ERL_"));
        env.put("HOME", dir.resolve("c1").resolve("home").toString()); // the test cookie
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    /** Stops every process this cluster started (nodes, their helpers, epmd if it started one), by pid. */
    @Override
    public synchronized void close() {
        for (int n = 1; n <= size; n++) {
            Path pidFile = dir.resolve("c" + n).resolve("beam.pid");
            try {
                if (Files.exists(pidFile) && !Files.readString(pidFile).isBlank()) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(started::add);
                }
            } catch (IOException | NumberFormatException e) {
                // nothing written: the node never got that far
            }
        }
        for (ProcessHandle process : List.copyOf(started)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (ProcessHandle process : List.copyOf(started)) {
            process.onExit().completeOnTimeout(process, 30, TimeUnit.SECONDS).join();
        }
        started.clear();
    }

    /** Output of a command line. */
    public record Result(int exitCode, String output) { }

    private static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is taken; the cluster test needs 26701-26703 and 26711-26713 free", e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
