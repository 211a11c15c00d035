package io.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Structural checks of docker-compose.yml and the Dockerfile. Plain JUnit, no Spring context.
 * The checks live in {@link #problems(Map)} / {@link #dockerfileProblems(String)} so that the
 * mutation tests below can prove each kind of check is able to fail.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DockerComposeTest {

    private static final Path COMPOSE_FILE = Path.of("docker-compose.yml");
    private static final Path DOCKERFILE = Path.of("Dockerfile");

    private static final String APP = "caravan";
    private static final List<String> BACKING_SERVICES = List.of("rabbitmq", "postgres", "redis", "neo4j", "qdrant");

    private static final Set<String> EXPECTED_ENV = Set.of(
            "SPRING_PROFILES_ACTIVE", "DB_URL", "DB_USERNAME", "DB_PASSWORD",
            "RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_MANAGEMENT_URL",
            "REDIS_HOST", "REDIS_PORT", "NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD",
            "QDRANT_HOST", "QDRANT_GRPC_PORT", "CARAVAN_JWT_SECRET", "CARAVAN_CONSOLE_USER", "CARAVAN_CONSOLE_PASSWORD",
            "USE_RABBITMQ");

    // the "cluster" profile: three RabbitMQ nodes and a Caravan on all of them with quorum queues
    private static final String CLUSTER_PROFILE = "cluster";
    private static final String CLUSTER_APP = "caravan-cluster";
    private static final List<String> CLUSTER_NODES = List.of("rabbitmq-1", "rabbitmq-2", "rabbitmq-3");
    private static final Path CLUSTER_CONF = Path.of("compose", "rabbitmq-cluster.conf");

    // ------------------------------------------------------------------ tests

    @Test
    void clusterProfileIsWellFormed() throws IOException {
        assertThat(clusterProblems(loadCompose(), Files.readString(CLUSTER_CONF, StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void clusterValidationCanFail() throws IOException {
        String conf = Files.readString(CLUSTER_CONF, StandardCharsets.UTF_8);
        assertThat(clusterProblemsAfter(c -> services(c).remove("rabbitmq-3"), conf))
                .anyMatch(p -> p.contains("rabbitmq-3"));
        assertThat(clusterProblemsAfter(c -> service(c, "rabbitmq-2").remove("profiles"), conf))
                .anyMatch(p -> p.contains("rabbitmq-2") && p.contains("profile"));
        assertThat(clusterProblemsAfter(c -> service(c, "rabbitmq-1").put("hostname", "rabbit"), conf))
                .anyMatch(p -> p.contains("rabbitmq-1") && p.contains("hostname"));
        assertThat(clusterProblemsAfter(c -> clusterEnv(c).put("RABBITMQ_ADDRESSES", "rabbitmq-1:5672,rabbitmq-2:5672"), conf))
                .anyMatch(p -> p.contains("RABBITMQ_ADDRESSES") && p.contains("rabbitmq-3"));
        assertThat(clusterProblemsAfter(c -> clusterEnv(c).put("CARAVAN_QUEUE_TYPE", "classic"), conf))
                .anyMatch(p -> p.contains("CARAVAN_QUEUE_TYPE"));
        assertThat(clusterProblemsAfter(c -> map(service(c, CLUSTER_APP).get("depends_on")).remove("rabbitmq-2"), conf))
                .anyMatch(p -> p.contains("depends_on") && p.contains("rabbitmq-2"));
        assertThat(clusterProblemsAfter(c -> map(service(c, "rabbitmq-3").get("environment"))
                .put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-setcookie other"), conf))
                .anyMatch(p -> p.contains("cookie"));
        assertThat(clusterProblemsAfter(c -> service(c, APP).put("profiles", List.of(CLUSTER_PROFILE)), conf))
                .anyMatch(p -> p.contains("'caravan'") && p.contains("profile"));
        assertThat(clusterProblemsAfter(c -> { }, conf.replace("rabbit@rabbitmq-2", "rabbit@elsewhere")))
                .anyMatch(p -> p.contains("rabbit@rabbitmq-2"));
    }

    @Test
    void composeFileIsWellFormed() throws IOException {
        assertThat(problems(loadCompose())).isEmpty();
    }

    @Test
    void validationFailsWhenCaravanDependsOnIsRemoved() throws IOException {
        assertThat(problemsAfter(c -> service(c, APP).remove("depends_on")))
                .anyMatch(p -> p.contains("depends_on"));
    }

    @Test
    void validationFailsForOtherBrokenComposeFiles() throws IOException {
        assertThat(problemsAfter(c -> services(c).remove("qdrant")))
                .anyMatch(p -> p.contains("qdrant"));
        assertThat(problemsAfter(c -> service(c, "redis").remove("healthcheck")))
                .anyMatch(p -> p.contains("redis") && p.contains("healthcheck"));
        assertThat(problemsAfter(c -> map(service(c, "neo4j").get("healthcheck")).put("test", List.of())))
                .anyMatch(p -> p.contains("neo4j") && p.contains("healthcheck"));
        assertThat(problemsAfter(c -> service(c, "postgres").remove("image")))
                .anyMatch(p -> p.contains("postgres") && p.contains("image"));
        assertThat(problemsAfter(c -> service(c, "rabbitmq").put("image", "rabbitmq:3.13")))
                .anyMatch(p -> p.contains("management"));
        assertThat(problemsAfter(c -> map(c.get("volumes")).clear()))
                .anyMatch(p -> p.contains("not declared under top-level volumes"));
        assertThat(problemsAfter(c -> service(c, APP).remove("build")))
                .anyMatch(p -> p.contains("build"));
        assertThat(problemsAfter(c -> service(c, APP).remove("volumes")))
                .anyMatch(p -> p.contains("/app/routes"));
        assertThat(problemsAfter(c -> map(map(service(c, APP).get("depends_on")).get("neo4j"))
                .put("condition", "service_started")))
                .anyMatch(p -> p.contains("neo4j") && p.contains("service_healthy"));
        assertThat(problemsAfter(c -> env(c).put("DB_URL", "jdbc:postgresql://localhost:5432/caravan")))
                .anyMatch(p -> p.contains("DB_URL"));
        assertThat(problemsAfter(c -> env(c).put("NEO4J_URI", "bolt://graph:7687")))
                .anyMatch(p -> p.contains("NEO4J_URI"));
        assertThat(problemsAfter(c -> env(c).remove("QDRANT_HOST")))
                .anyMatch(p -> p.contains("QDRANT_HOST"));
        assertThat(problemsAfter(c -> env(c).put("EXTRA_VAR", "x")))
                .anyMatch(p -> p.contains("EXTRA_VAR"));
    }

    @Test
    void dockerfileCopiesConfigAndSetsProdProfile() throws IOException {
        assertThat(DOCKERFILE).isRegularFile();
        assertThat(dockerfileProblems(Files.readString(DOCKERFILE, StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void dockerfileValidationCanFail() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);
        assertThat(dockerfileProblems(dockerfile.replace("SPRING_PROFILES_ACTIVE=prod", "SPRING_PROFILES_ACTIVE=dev")))
                .anyMatch(p -> p.contains("SPRING_PROFILES_ACTIVE"));
        assertThat(dockerfileProblems(dockerfile.replaceAll("(?m)^COPY\\s+application\\.yaml.*$", "")))
                .anyMatch(p -> p.contains("application.yaml"));
        assertThat(dockerfileProblems(dockerfile.replaceAll("(?m)^COPY\\s+routes.*$", "")))
                .anyMatch(p -> p.contains("routes"));
    }

    // ------------------------------------------------------------ validation

    /** Returns every structural problem found in a parsed compose map; empty means valid. */
    static List<String> problems(Map<String, Object> compose) {
        List<String> problems = new ArrayList<>();
        if (compose == null) {
            problems.add("compose file is empty");
            return problems;
        }
        if (compose.containsKey("version")) {
            problems.add("obsolete top-level 'version' key present");
        }
        if (!(compose.get("services") instanceof Map<?, ?> services)) {
            problems.add("no top-level services map");
            return problems;
        }
        Map<?, ?> declaredVolumes = compose.get("volumes") instanceof Map<?, ?> v ? v : Map.of();

        for (String name : BACKING_SERVICES) {
            if (!(services.get(name) instanceof Map<?, ?> svc)) {
                problems.add("service '" + name + "' is missing");
                continue;
            }
            if (!nonBlank(svc.get("image"))) {
                problems.add("service '" + name + "' has no image");
            }
            if (!(svc.get("healthcheck") instanceof Map<?, ?> hc) || !nonEmptyTest(hc.get("test"))) {
                problems.add("service '" + name + "' has no healthcheck with a non-empty test");
            }
            List<String> named = namedVolumes(svc.get("volumes"));
            if (named.isEmpty()) {
                problems.add("service '" + name + "' has no named volume");
            }
            for (String vol : named) {
                if (!declaredVolumes.containsKey(vol)) {
                    problems.add("service '" + name + "' uses volume '" + vol + "' that is not declared under top-level volumes");
                }
            }
        }

        if (services.get("rabbitmq") instanceof Map<?, ?> rabbit
                && !String.valueOf(rabbit.get("image")).contains("management")) {
            problems.add("rabbitmq image '" + rabbit.get("image") + "' is not a management image");
        }

        if (!(services.get(APP) instanceof Map<?, ?> app)) {
            problems.add("service '" + APP + "' is missing");
            return problems;
        }
        if (app.get("build") == null) {
            problems.add("service '" + APP + "' has no build");
        }
        checkDependsOn(app.get("depends_on"), problems);
        checkEnvironment(app.get("environment"), services, problems);
        checkRoutesMount(app.get("volumes"), problems);
        return problems;
    }

    private static void checkDependsOn(Object dependsOn, List<String> problems) {
        if (!(dependsOn instanceof Map<?, ?> deps)) {
            problems.add("caravan depends_on is missing or not in long (map) form with conditions");
            return;
        }
        for (String name : BACKING_SERVICES) {
            Object condition = deps.get(name) instanceof Map<?, ?> d ? d.get("condition") : null;
            if (!"service_healthy".equals(condition)) {
                problems.add("caravan depends_on '" + name + "' must have condition service_healthy (was " + condition + ")");
            }
        }
    }

    private static void checkEnvironment(Object environment, Map<?, ?> services, List<String> problems) {
        Map<String, String> env = environmentMap(environment);
        for (String key : EXPECTED_ENV) {
            if (!env.containsKey(key)) {
                problems.add("caravan environment lacks " + key);
            }
        }
        for (String key : env.keySet()) {
            if (!EXPECTED_ENV.contains(key)) {
                problems.add("caravan environment has unexpected variable " + key);
            }
        }
        if (!"prod".equals(env.get("SPRING_PROFILES_ACTIVE"))) {
            problems.add("caravan SPRING_PROFILES_ACTIVE must be prod");
        }
        checkHost("DB_URL", uriHost(stripPrefix(env.get("DB_URL"), "jdbc:")), "postgres", services, problems);
        checkHost("RABBITMQ_HOST", env.get("RABBITMQ_HOST"), "rabbitmq", services, problems);
        checkHost("RABBITMQ_MANAGEMENT_URL", uriHost(env.get("RABBITMQ_MANAGEMENT_URL")), "rabbitmq", services, problems);
        checkHost("REDIS_HOST", env.get("REDIS_HOST"), "redis", services, problems);
        checkHost("NEO4J_URI", uriHost(env.get("NEO4J_URI")), "neo4j", services, problems);
        checkHost("QDRANT_HOST", env.get("QDRANT_HOST"), "qdrant", services, problems);
    }

    private static void checkHost(String var, String host, String expected, Map<?, ?> services, List<String> problems) {
        if (host == null || !services.containsKey(host)) {
            problems.add("caravan " + var + " points at host '" + host + "', which is not a compose service");
        } else if (!host.equals(expected)) {
            problems.add("caravan " + var + " points at '" + host + "' instead of '" + expected + "'");
        }
    }

    private static void checkRoutesMount(Object volumes, List<String> problems) {
        boolean found = false;
        if (volumes instanceof List<?> list) {
            for (Object v : list) {
                if (v instanceof String s) {
                    String[] parts = s.split(":");
                    found |= parts.length >= 2 && isBindSource(parts[0]) && parts[0].replaceAll("/+$", "").endsWith("routes")
                            && parts[1].equals("/app/routes");
                } else if (v instanceof Map<?, ?> m) {
                    found |= "bind".equals(m.get("type")) && "/app/routes".equals(m.get("target"));
                }
            }
        }
        if (!found) {
            problems.add("caravan has no bind mount of ./routes to /app/routes");
        }
    }

    /** Problems with the Dockerfile text; empty means valid. */
    static List<String> dockerfileProblems(String dockerfile) {
        List<String> problems = new ArrayList<>();
        if (!Pattern.compile("(?m)^\\s*COPY\\s+(?!--from)[^\\n]*\\bapplication\\.yaml\\b").matcher(dockerfile).find()) {
            problems.add("Dockerfile does not COPY application.yaml from the build context");
        }
        if (!Pattern.compile("(?m)^\\s*COPY\\s+(?!--from)[^\\n]*\\broutes/?\\s").matcher(dockerfile).find()) {
            problems.add("Dockerfile does not COPY routes/ from the build context");
        }
        if (!Pattern.compile("(?m)^\\s*ENV\\s+SPRING_PROFILES_ACTIVE[=\\s]\"?prod\"?\\s*$").matcher(dockerfile).find()) {
            problems.add("Dockerfile does not set ENV SPRING_PROFILES_ACTIVE=prod");
        }
        return problems;
    }

    /** Problems of the "cluster" profile (nodes, their peer discovery, the Caravan on them); empty means valid. */
    static List<String> clusterProblems(Map<String, Object> compose, String clusterConf) {
        List<String> problems = new ArrayList<>();
        Map<?, ?> services = compose.get("services") instanceof Map<?, ?> s ? s : Map.of();
        Map<?, ?> declaredVolumes = compose.get("volumes") instanceof Map<?, ?> v ? v : Map.of();
        if (services.get(APP) instanceof Map<?, ?> app && app.get("profiles") != null) {
            problems.add("service 'caravan' must not be in a profile: a plain `docker compose up` starts it");
        }
        Set<String> cookies = new java.util.HashSet<>();
        for (String name : CLUSTER_NODES) {
            if (!(services.get(name) instanceof Map<?, ?> node)) {
                problems.add("cluster node '" + name + "' is missing");
                continue;
            }
            if (!(node.get("profiles") instanceof List<?> profiles) || !profiles.contains(CLUSTER_PROFILE)) {
                problems.add("cluster node '" + name + "' is not in profile '" + CLUSTER_PROFILE + "'");
            }
            if (!String.valueOf(node.get("image")).startsWith("rabbitmq:")) {
                problems.add("cluster node '" + name + "' has no rabbitmq image");
            }
            if (!name.equals(node.get("hostname"))) {
                problems.add("cluster node '" + name + "' must have hostname '" + name + "' (its node name is rabbit@<hostname>)");
            }
            if (!(node.get("healthcheck") instanceof Map<?, ?> hc) || !nonEmptyTest(hc.get("test"))) {
                problems.add("cluster node '" + name + "' has no healthcheck with a non-empty test");
            }
            List<String> named = namedVolumes(node.get("volumes"));
            if (named.isEmpty() || !named.stream().allMatch(declaredVolumes::containsKey)) {
                problems.add("cluster node '" + name + "' has no declared named volume for its data");
            }
            if (!String.valueOf(node.get("volumes")).contains("rabbitmq-cluster.conf")) {
                problems.add("cluster node '" + name + "' does not mount compose/rabbitmq-cluster.conf");
            }
            Map<String, String> env = environmentMap(node.get("environment"));
            cookies.add(env.get("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"));
            if (!String.valueOf(env.get("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS")).contains("-setcookie")) {
                problems.add("cluster node '" + name + "' sets no Erlang cookie (RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS -setcookie)");
            }
            if (!clusterConf.contains("= rabbit@" + name)) {
                problems.add("compose/rabbitmq-cluster.conf does not list rabbit@" + name + " for peer discovery");
            }
        }
        if (cookies.size() > 1) {
            problems.add("cluster nodes have different Erlang cookies: " + cookies);
        }
        if (!(services.get(CLUSTER_APP) instanceof Map<?, ?> app)) {
            problems.add("service '" + CLUSTER_APP + "' is missing");
            return problems;
        }
        if (!(app.get("profiles") instanceof List<?> profiles) || !profiles.contains(CLUSTER_PROFILE)) {
            problems.add("service '" + CLUSTER_APP + "' is not in profile '" + CLUSTER_PROFILE + "'");
        }
        if (app.get("build") == null) {
            problems.add("service '" + CLUSTER_APP + "' has no build");
        }
        Map<?, ?> deps = app.get("depends_on") instanceof Map<?, ?> d ? d : Map.of();
        List<String> needed = new ArrayList<>(CLUSTER_NODES);
        needed.addAll(BACKING_SERVICES.subList(1, BACKING_SERVICES.size()));
        for (String name : needed) {
            Object condition = deps.get(name) instanceof Map<?, ?> d ? d.get("condition") : null;
            if (!"service_healthy".equals(condition)) {
                problems.add(CLUSTER_APP + " depends_on '" + name + "' must have condition service_healthy (was " + condition + ")");
            }
        }
        Map<String, String> env = environmentMap(app.get("environment"));
        Set<String> hosts = new java.util.TreeSet<>();
        for (String address : String.valueOf(env.get("RABBITMQ_ADDRESSES")).split(",")) {
            hosts.add(address.trim().split(":")[0]);
        }
        if (!hosts.equals(new java.util.TreeSet<>(CLUSTER_NODES))) {
            problems.add(CLUSTER_APP + " RABBITMQ_ADDRESSES must list every cluster node " + CLUSTER_NODES + " (lists " + hosts + ")");
        }
        if (env.containsKey("RABBITMQ_HOST")) {
            problems.add(CLUSTER_APP + " sets RABBITMQ_HOST, which RABBITMQ_ADDRESSES overrides: remove it");
        }
        if (!"quorum".equals(env.get("CARAVAN_QUEUE_TYPE"))) {
            problems.add(CLUSTER_APP + " CARAVAN_QUEUE_TYPE must be quorum (was " + env.get("CARAVAN_QUEUE_TYPE") + ")");
        }
        if (!"prod".equals(env.get("SPRING_PROFILES_ACTIVE"))) {
            problems.add(CLUSTER_APP + " SPRING_PROFILES_ACTIVE must be prod");
        }
        List<String> mountProblems = new ArrayList<>();
        checkRoutesMount(app.get("volumes"), mountProblems);
        mountProblems.forEach(p -> problems.add(p.replace("caravan ", CLUSTER_APP + " ")));
        return problems;
    }

    // -------------------------------------------------------------- helpers

    private static List<String> clusterProblemsAfter(Consumer<Map<String, Object>> mutation, String clusterConf) throws IOException {
        Map<String, Object> copy = deepCopy(loadCompose());
        mutation.accept(copy);
        return clusterProblems(copy, clusterConf);
    }

    private static Map<String, Object> clusterEnv(Map<String, Object> compose) {
        return map(service(compose, CLUSTER_APP).get("environment"));
    }

    private static Map<String, Object> loadCompose() throws IOException {
        assertThat(COMPOSE_FILE).isRegularFile();
        try (Reader reader = Files.newBufferedReader(COMPOSE_FILE, StandardCharsets.UTF_8)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
    }

    private static List<String> problemsAfter(Consumer<Map<String, Object>> mutation) throws IOException {
        Map<String, Object> copy = deepCopy(loadCompose());
        mutation.accept(copy);
        return problems(copy);
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>();
            l.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> services(Map<String, Object> compose) {
        return map(compose.get("services"));
    }

    private static Map<String, Object> service(Map<String, Object> compose, String name) {
        return map(services(compose).get(name));
    }

    private static Map<String, Object> env(Map<String, Object> compose) {
        return map(service(compose, APP).get("environment"));
    }

    private static boolean nonBlank(Object o) {
        return o instanceof String s && !s.isBlank();
    }

    private static boolean nonEmptyTest(Object test) {
        if (test instanceof List<?> l) {
            // ["NONE"] disables the check; ["CMD"] alone has nothing to run.
            return l.size() >= 2 || (l.size() == 1 && nonBlank(l.get(0)) && !"NONE".equals(l.get(0)) && !"CMD".equals(l.get(0)));
        }
        return nonBlank(test);
    }

    private static boolean isBindSource(String source) {
        return source.startsWith(".") || source.startsWith("/") || source.startsWith("~") || source.startsWith("$");
    }

    /** Named (non-bind) volume sources of a service's volumes list, short or long syntax. */
    private static List<String> namedVolumes(Object volumes) {
        List<String> named = new ArrayList<>();
        if (volumes instanceof List<?> list) {
            for (Object v : list) {
                if (v instanceof String s) {
                    String[] parts = s.split(":");
                    if (parts.length >= 2 && !isBindSource(parts[0])) {
                        named.add(parts[0]);
                    }
                } else if (v instanceof Map<?, ?> m && "volume".equals(m.get("type")) && nonBlank(m.get("source"))) {
                    named.add((String) m.get("source"));
                }
            }
        }
        return named;
    }

    /** Compose environment in map form or list ("KEY=VALUE") form. */
    private static Map<String, String> environmentMap(Object environment) {
        Map<String, String> env = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else if (environment instanceof List<?> l) {
            for (Object entry : l) {
                String s = String.valueOf(entry);
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        }
        return env;
    }

    private static String stripPrefix(String s, String prefix) {
        return s != null && s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    private static String uriHost(String uri) {
        if (uri == null) {
            return null;
        }
        try {
            return URI.create(uri).getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
