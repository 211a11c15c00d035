package io.caravan.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ cluster of its own for a test: {@code size} nodes of the machine's {@code rabbitmq-server}
 * (Debian), named {@code caravan-c1@localhost}, ..., on loopback ports of their own (AMQP 26701...,
 * distribution 26711...), with their data, logs, config, enabled plugins (none) and Erlang cookie under
 * {@code dir}. It never touches the machine's node (5672/25672, /var/lib/rabbitmq).
 *
 * <p>Two builds on one machine can run it at once: each takes a free <em>slot</em> (a lock file in the
 * temporary directory, held while the cluster lives), slot {@code s} being node names
 * {@code caravan-c<n>[-s]@localhost} and ports {@code 26701 + 20 s}... and {@code 26711 + 20 s}... (slots
 * 0-4: 26701-26793, below the ephemeral ports the stand-ins get and clear of bench/quorum-cluster.sh's 268xx).
 *
 * <p>Every process it starts it stops by pid, also nodes a killed earlier run left behind in {@code dir}.
 * The Erlang port mapper (epmd) is shared by every Erlang node of the machine: the cluster uses the one that
 * runs (the machine's RabbitMQ starts one), and if none runs it starts one and stops it again at the end
 * unless another node has registered with it meanwhile (then it stays, as the machine's own would).
 */
public final class RabbitCluster implements AutoCloseable {

    private static final String SBIN = "/usr/lib/rabbitmq/bin/"; // the scripts themselves, not the su wrappers
    private static final int AMQP_BASE = 26700;
    private static final int DIST_BASE = 26710;
    private static final int SLOT_STRIDE = 20;
    private static final int SLOTS = 5;
    private static final String COOKIE = "caravan-cluster-test-cookie";
    private static final Logger LOG = LoggerFactory.getLogger(RabbitCluster.class);

    private final Path dir;
    private final int size;
    private final int slot;
    private final FileChannel slotLock;
    private final Map<String, Process> wrappers = new LinkedHashMap<>();
    private final List<ProcessHandle> started = new ArrayList<>();
    private Process epmd;

    private RabbitCluster(Path dir, int size, int slot, FileChannel slotLock) {
        this.dir = dir;
        this.size = size;
        this.slot = slot;
        this.slotLock = slotLock;
    }

    /** Starts {@code size} nodes and joins them into one cluster with the first. */
    public static RabbitCluster start(Path dir, int size) throws Exception {
        if (!Files.isExecutable(Path.of(SBIN + "rabbitmq-server"))) {
            throw new IllegalStateException("the cluster test needs Debian's rabbitmq-server: apt-get install rabbitmq-server");
        }
        stopLeftovers(dir);
        for (int slot = 0; slot < SLOTS; slot++) {
            FileChannel lock = FileChannel.open(Path.of(System.getProperty("java.io.tmpdir"), "caravan-rabbit-cluster-slot-" + slot + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (!tryLock(lock) || !free(slot, size)) {
                lock.close(); // another build's cluster, or someone else's ports
                continue;
            }
            RabbitCluster cluster = new RabbitCluster(dir, size, slot, lock);
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
            try {
                cluster.boot();
                return cluster;
            } catch (Exception | Error e) {
                cluster.close();
                throw e;
            }
        }
        throw new IllegalStateException("no free slot for a test cluster: ports 26701-26793 (AMQP " + AMQP_BASE + "+, distribution "
                + DIST_BASE + "+, " + SLOTS + " slots of " + SLOT_STRIDE + ") are taken or their lock files "
                + System.getProperty("java.io.tmpdir") + "/caravan-rabbit-cluster-slot-*.lock are held");
    }

    private void boot() throws Exception {
        deleteRecursively(dir);
        Files.createDirectories(dir);
        if (run(Duration.ofSeconds(10), "epmd", "-names").exitCode() != 0) {
            // no epmd yet (the machine's RabbitMQ is not running): one for this cluster, stopped at the end
            epmd = new ProcessBuilder("epmd", "-address", "127.0.0.1")
                    .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("epmd.log").toFile()).start();
            started.add(epmd.toHandle());
            await().atMost(Duration.ofSeconds(10)).until(() -> run(Duration.ofSeconds(10), "epmd", "-names").exitCode() == 0);
        }
        LOG.info("Starting a {}-node RabbitMQ cluster in {}: nodes {}, AMQP {}", size, dir, nodes(), addresses());
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

    /** {@code caravan-c<n>@localhost} (slot 0) or {@code caravan-c<n>-<slot>@localhost}. */
    public String node(int n) {
        return "caravan-c" + n + (slot == 0 ? "" : "-" + slot) + "@localhost";
    }

    private List<String> nodes() {
        List<String> nodes = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            nodes.add(node(n));
        }
        return nodes;
    }

    public int amqpPort(int n) {
        return AMQP_BASE + slot * SLOT_STRIDE + n;
    }

    private int distPort(int n) {
        return DIST_BASE + slot * SLOT_STRIDE + n;
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
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distPort(n)));
        env.put("RABBITMQ_MNESIA_BASE", base.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", base.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", base.resolve("beam.pid").toString());
        env.put("RABBITMQ_CONFIG_FILE", base.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_CONF_ENV_FILE", base.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_ADVANCED_CONFIG_FILE", base.resolve("advanced.config").toString()); // none: not the machine's
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

    /**
     * Stops every process this cluster started (nodes, their helpers), by pid; then epmd if it started one
     * and no other node uses it; and gives its slot back.
     */
    @Override
    public synchronized void close() {
        for (int n = 1; n <= size; n++) {
            nodeVm(dir.resolve("c" + n)).ifPresent(started::add);
        }
        List<ProcessHandle> nodes = new ArrayList<>(started);
        if (epmd != null) {
            nodes.remove(epmd.toHandle());
        }
        stopAll(nodes);
        started.removeAll(nodes);
        if (epmd != null && epmd.isAlive()) {
            String names = "";
            try {
                names = run(Duration.ofSeconds(10), "epmd", "-names").output();
            } catch (Exception e) {
                // it does not answer: nothing uses it
            }
            if (names.lines().anyMatch(l -> l.startsWith("name "))) {
                LOG.info("Leaving the epmd this cluster started (pid {}) running: other Erlang nodes use it now: {}",
                        epmd.pid(), names.replace('\n', ' '));
            } else {
                stopAll(List.of(epmd.toHandle()));
            }
            started.clear();
        }
        try {
            if (slotLock.isOpen()) {
                slotLock.close();
            }
        } catch (IOException e) {
            // released with the process anyway
        }
    }

    private static void stopAll(List<ProcessHandle> processes) {
        for (ProcessHandle process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (ProcessHandle process : processes) {
            process.onExit().completeOnTimeout(process, 30, TimeUnit.SECONDS).join();
        }
    }

    /** The Erlang VM of the node whose data is in {@code base}, if it runs (its pid file, and its command line names {@code base}). */
    private static Optional<ProcessHandle> nodeVm(Path base) {
        Path pidFile = base.resolve("beam.pid");
        try {
            if (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
                return Optional.empty(); // the node never got that far
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> commandLine(pid).contains(base.toString()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** Nodes an earlier run left running in {@code dir} (its JVM was killed before it could stop them), by pid. */
    private static void stopLeftovers(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var bases = Files.list(dir)) {
            List<ProcessHandle> left = bases.map(RabbitCluster::nodeVm).flatMap(Optional::stream).toList();
            if (!left.isEmpty()) {
                LOG.warn("Stopping {} RabbitMQ node(s) an earlier run left in {}: pids {}", left.size(), dir,
                        left.stream().map(ProcessHandle::pid).toList());
                stopAll(left);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Output of a command line. */
    public record Result(int exitCode, String output) { }

    private static boolean tryLock(FileChannel lock) throws IOException {
        try {
            return lock.tryLock() != null;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return false; // a cluster of this JVM holds it
        }
    }

    private static boolean free(int slot, int size) {
        for (int n = 1; n <= size; n++) {
            if (!free(AMQP_BASE + slot * SLOT_STRIDE + n) || !free(DIST_BASE + slot * SLOT_STRIDE + n)) {
                return false;
            }
        }
        return true;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
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
