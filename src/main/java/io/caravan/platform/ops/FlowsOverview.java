package io.caravan.platform.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.caravan.platform.broker.BrokerProperties;
import io.caravan.platform.broker.BrokerProperties.QueueSpec;
import io.caravan.platform.broker.WorkerSelection;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.rest.RestEndpoint;
import org.apache.camel.component.springrabbit.SpringRabbitMQEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code GET /ops/flows}: each flow as its file in {@code routes/} defines it, put together from the
 * running routes: its REST doors, the queues it consumes (with their retry ladder, dead-letter queue,
 * worker type and whether this instance runs the consumer), and its recent message counts
 * ({@link MessageCounts}). A route belongs to the flow whose name its id starts with ({@code <flow>.<step>})
 * or whose file it came from. Called by the route {@code ops.flows} as the bean {@code flowsOverview}.
 */
@Component("flowsOverview")
public class FlowsOverview {

    /** How a route may name its worker type as a template parameter: {@code autoStartup: "{{worker:<type>}}"}. */
    private static final Pattern WORKER = Pattern.compile("\\{\\{\\s*" + WorkerSelection.FUNCTION + ":([^}]+)}}");

    /** The answer: this instance's workers, the window the counts cover, and the flows. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record FlowsReport(Workers workers, String countsSince, long countsSeconds, List<Flow> flows) { }

    /**
     * Which consumers this instance runs.
     *
     * @param selected   {@code caravan.workers} as configured
     * @param running    worker types whose consumers this instance runs
     * @param notStarted worker types the flows declare that this instance leaves to others
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Workers(List<String> selected, List<String> running, List<String> notStarted) { }

    /**
     * One flow.
     *
     * @param name     the file's name without {@code .yaml}, and the prefix of its route ids
     * @param routes   ids of its running routes (including those made from templates)
     * @param messages recent counts over all its queues ({@code accepted}: published to its queues or the
     *                 exchanges they are bound to)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Flow(String name, String file, String description, List<Door> doors, List<Consumer> consumers,
                       List<String> routes, Counts messages) { }

    /** A REST endpoint of the flow. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Door(String method, String path, String routeId, String description, String status) { }

    /**
     * A queue the flow consumes.
     *
     * @param queueKey    the queue's key under {@code caravan.broker.queues}
     * @param workerType  the worker type that runs it ({@code caravan.workers}); null if the YAML names none
     * @param status      the consumer route's status here: {@code Started}, or {@code Stopped} when this
     *                    instance does not run its worker type
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Consumer(String routeId, String queue, String queueKey, String deadLetterQueue, List<String> retryQueues,
                           String workerType, String status, Integer concurrency, Counts messages) { }

    /** Messages in the window (see {@link FlowsReport#countsSeconds()}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Counts(long accepted, long stored, long retried, long deadLettered) { }

    private final CamelContext camel;
    private final BrokerProperties broker;
    private final WorkerSelection workers;
    private final MessageCounts counts;
    private final Path directory;

    public FlowsOverview(CamelContext camel, BrokerProperties broker, WorkerSelection workers, MessageCounts counts,
                         @Value("${caravan.routes.dir}") String directory) {
        this.camel = camel;
        this.broker = broker;
        this.workers = workers;
        this.counts = counts;
        this.directory = Path.of(directory).toAbsolutePath();
    }

    public FlowsReport flows() {
        MessageCounts.Recent recent = counts.recent();
        List<Route> routes = camel.getRoutes().stream()
                .sorted((a, b) -> a.getRouteId().compareTo(b.getRouteId())).toList();
        List<Flow> flows = new ArrayList<>();
        for (String file : flowFiles()) {
            String name = file.substring(0, file.length() - ".yaml".length());
            List<Route> own = routes.stream().filter(r -> r.getRouteId().startsWith(name + ".") || fromFile(r, file)).toList();
            flows.add(flow(name, file, own, recent));
        }
        Set<String> running = new TreeSet<>();
        Set<String> idle = new TreeSet<>();
        workers.declared().forEach(type -> (workers.runs(type) ? running : idle).add(type));
        return new FlowsReport(new Workers(List.copyOf(new TreeSet<>(workers.selected())), List.copyOf(running), List.copyOf(idle)),
                recent.since().toString(), recent.seconds(), flows);
    }

    private Flow flow(String name, String file, List<Route> own, MessageCounts.Recent recent) {
        List<Door> doors = new ArrayList<>();
        List<Consumer> consumers = new ArrayList<>();
        List<String> queues = new ArrayList<>();
        List<String> destinations = new ArrayList<>();
        // the description of the flow's REST block (id <flow>.rest), as the YAML gives it
        String description = ((ModelCamelContext) camel).getRestDefinitions().stream()
                .filter(rest -> (name + ".rest").equals(rest.getId()) && rest.getDescription() != null)
                .map(rest -> rest.getDescription()).findFirst().orElse(null);
        for (Route route : own) {
            String status = status(route);
            if (route.getEndpoint() instanceof SpringRabbitMQEndpoint rabbit) {
                for (String listed : rabbit.getQueues().split(",")) {
                    String queue = listed.trim();
                    Optional<Map.Entry<String, QueueSpec>> spec = broker.queues().entrySet().stream()
                            .filter(e -> e.getValue().name().equals(queue)).findFirst();
                    List<String> just = List.of(queue);
                    consumers.add(new Consumer(route.getRouteId(), queue, spec.map(Map.Entry::getKey).orElse(null),
                            spec.map(e -> e.getValue().deadLetterQueue()).orElse(null),
                            spec.map(e -> e.getValue().retryQueues()).orElse(List.of()), workerType(route), status,
                            rabbit.getConcurrentConsumers(),
                            new Counts(recent.of("accepted", just), recent.of("stored", just), recent.of("retried", just),
                                    recent.of("dead_lettered", just))));
                    queues.add(queue);
                    destinations.add(queue);
                    spec.ifPresent(e -> e.getValue().bindings().forEach(b -> destinations.add(b.exchange())));
                }
            }
        }
        for (RestDefinition rest : ((ModelCamelContext) camel).getRestDefinitions()) {
            if (!belongs(rest, name, file)) {
                continue;
            }
            for (VerbDefinition verb : rest.getVerbs()) {
                String method = verb.asVerb().toUpperCase(Locale.ROOT);
                String path = join(rest.getPath(), verb.getPath());
                Route route = restRoute(method, path);
                doors.add(new Door(method, path, route == null ? verb.getId() : route.getRouteId(), verb.getDescription(),
                        route == null ? null : status(route)));
            }
        }
        Counts messages = new Counts(recent.of("accepted", destinations), recent.of("stored", queues),
                recent.of("retried", queues), recent.of("dead_lettered", queues));
        return new Flow(name, file, description, doors, consumers, own.stream().map(Route::getRouteId).toList(), messages);
    }

    private String status(Route route) {
        ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
        return status == null ? null : status.name();
    }

    /**
     * The worker type of a consumer: the {@code worker} parameter of the {@code durable-consumer} template, else
     * one named in an {@code autoStartup} template parameter, if any.
     */
    private String workerType(Route route) {
        RouteDefinition definition = ((ModelCamelContext) camel).getRouteDefinition(route.getRouteId());
        if (definition == null || definition.getTemplateParameters() == null) {
            return null;
        }
        Object worker = definition.getTemplateParameters().get("worker");
        if (worker != null && !worker.toString().isBlank()) {
            return worker.toString().trim();
        }
        Object autoStartup = definition.getTemplateParameters().get("autoStartup");
        Matcher matcher = autoStartup == null ? null : WORKER.matcher(autoStartup.toString());
        return matcher != null && matcher.find() ? matcher.group(1).trim() : null;
    }

    /** A REST block of the flow: its id is {@code <flow>.…} or it came from the flow's file. */
    private static boolean belongs(RestDefinition rest, String name, String file) {
        if (rest.getId() != null && rest.getId().startsWith(name + ".")) {
            return true;
        }
        String location = rest.getResource() == null ? null : rest.getResource().getLocation();
        return location != null && (location.endsWith("/" + file) || location.endsWith(":" + file));
    }

    /** The route Camel made for a REST verb: its {@code rest:} endpoint has the verb's method and path. */
    private Route restRoute(String method, String path) {
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof RestEndpoint rest && method.equalsIgnoreCase(rest.getMethod())
                    && path.equals(join(rest.getPath(), rest.getUriTemplate()))) {
                return route;
            }
        }
        return null;
    }

    private static String join(String base, String path) {
        String left = base == null ? "" : base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String right = path == null || path.isEmpty() ? "" : path.startsWith("/") ? path : "/" + path;
        String joined = left + right;
        return joined.isEmpty() ? "/" : joined;
    }

    private static boolean fromFile(Route route, String file) {
        String source = route.getSourceLocationShort();
        return source != null && (source.equals(file) || source.startsWith(file + ":"));
    }

    private List<String> flowFiles() {
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> yaml = Files.newDirectoryStream(directory, "*.yaml")) {
            yaml.forEach(f -> files.add(f.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the flows in " + directory, e);
        }
        files.sort(String::compareTo);
        return files;
    }
}
