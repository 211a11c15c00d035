package io.caravan.platform.ops;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/flows}: GET lists the running routes and the file each came from; POST reloads
 * every {@code routes/*.yaml} from disk. This is how flows change in production, where live reload
 * is off. A file that does not parse is reported and its running routes stay as they were.
 */
@Component
@Endpoint(id = "flows")
public class FlowReloadEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(FlowReloadEndpoint.class);

    private final CamelContext camel;
    private final Path directory;

    public FlowReloadEndpoint(CamelContext camel, @Value("${caravan.routes.dir}") String directory) {
        this.camel = camel;
        this.directory = Path.of(directory).toAbsolutePath();
    }

    /** One running route: its id and the file (or class) it was defined in. */
    public record RouteInfo(String id, String source, String status) { }

    /** What a reload did: per file, the route ids now running from it, or the error that kept it unchanged. */
    public record ReloadReport(Map<String, List<String>> reloaded, Map<String, String> failed) { }

    @ReadOperation
    public List<RouteInfo> routes() {
        List<RouteInfo> routes = new ArrayList<>();
        for (Route route : camel.getRoutes()) {
            routes.add(new RouteInfo(route.getRouteId(), sourceOf(route),
                    camel.getRouteController().getRouteStatus(route.getRouteId()).name()));
        }
        routes.sort((a, b) -> a.id().compareTo(b.id()));
        return routes;
    }

    /** The file a route came from; for a route made from a template, or that it was made from a route template. */
    private static String sourceOf(Route route) {
        if (route.getSourceLocationShort() != null) {
            return route.getSourceLocationShort();
        }
        if (route.getSourceResource() != null) {
            return route.getSourceResource().getLocation();
        }
        return route.isCreatedByRouteTemplate() ? "route template" : "java";
    }

    @WriteOperation
    public ReloadReport reload() throws IOException {
        Map<String, List<String>> reloaded = new java.util.TreeMap<>();
        Map<String, String> failed = new java.util.TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.yaml")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                Resource resource = ResourceHelper.resolveResource(camel, "file:" + file);
                try {
                    Set<String> ids = PluginHelper.getRoutesLoader(camel).updateRoutes(resource);
                    reloaded.put(name, List.copyOf(new TreeSet<>(ids)));
                    LOG.info("Reloaded flow file {}: routes {}", name, ids);
                } catch (Exception e) {
                    failed.put(name, e.getMessage());
                    LOG.warn("Flow file {} not reloaded; its running routes stay as they were: {}", file, e.getMessage());
                }
            }
        }
        return new ReloadReport(reloaded, failed);
    }
}
