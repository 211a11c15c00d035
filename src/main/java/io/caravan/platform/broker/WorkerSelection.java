package io.caravan.platform.broker;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

import jakarta.annotation.PostConstruct;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Which consumers ("workers") this instance runs, so that API-only and worker-only instances scale
 * apart, as seed 003 runs {@code message_worker.py --type all|chat|preference|notification}.
 *
 * <p>A flow names the worker type of each consumer in its YAML, the {@code worker} parameter of the
 * {@code durable-consumer} template, which starts the consumer with the property function
 * {@code {{worker:<type>}}}: it resolves to {@code true} when {@code caravan.workers} is {@code all} or lists
 * the type, else {@code false}. A consumer that is not started stays visible (Hawtio, {@code /actuator/flows}) and an
 * operator may still start it by hand.
 *
 * <p>A worker type in {@code caravan.workers} that no consumer declares stops start-up: a typo would
 * otherwise leave its queue without a consumer and nobody the wiser.
 */
@Component
public class WorkerSelection implements PropertiesFunction {

    /** The property function's name: {@code {{worker:chat}}}. */
    public static final String FUNCTION = "worker";
    public static final String ALL = "all";
    public static final String NONE = "none";

    private static final Logger LOG = LoggerFactory.getLogger(WorkerSelection.class);

    private final CamelContext camel;
    private final Set<String> selected;
    private final Set<String> declared = new ConcurrentSkipListSet<>();

    public WorkerSelection(CamelContext camel, WorkerProperties properties) {
        this.camel = camel;
        this.selected = parse(properties.workers());
    }

    /** The configured selection, checked: {@code all} or {@code none} alone, or worker type names. */
    static Set<String> parse(List<String> workers) {
        Set<String> selected = new TreeSet<>();
        for (String worker : workers) {
            if (!worker.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("caravan.workers: '" + worker + "' is not a worker type "
                        + "(lower-case letters, digits and '-'); use all, none or a comma list of types");
            }
            selected.add(worker);
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("caravan.workers is empty; use all, none or a comma list of worker types");
        }
        if ((selected.contains(ALL) || selected.contains(NONE)) && selected.size() > 1) {
            throw new IllegalArgumentException("caravan.workers: '" + ALL + "' and '" + NONE + "' stand alone, got " + selected);
        }
        return Set.copyOf(selected);
    }

    /** Whether this instance runs the consumers of worker type {@code type}. */
    public boolean runs(String type) {
        return selected.contains(ALL) || selected.contains(type);
    }

    /** The worker types the flows' consumers declare (known once Camel has created the routes). */
    public Set<String> declared() {
        return Set.copyOf(new TreeSet<>(declared));
    }

    /** {@code caravan.workers} as configured: {@code all}, {@code none} or worker types. */
    public Set<String> selected() {
        return selected;
    }

    // registered as soon as this bean exists: camel-spring-boot loads the YAML routes before its own start-up hooks run
    @PostConstruct
    void register() {
        camel.getPropertiesComponent().addPropertiesFunction(this);
    }

    @Override
    public String getName() {
        return FUNCTION;
    }

    @Override
    public String apply(String remainder) {
        String type = remainder.trim();
        declared.add(type);
        return String.valueOf(runs(type));
    }

    /** Once Camel has created the routes (and so resolved every {@code {{worker:…}}}): a selected type no consumer has stops start-up. */
    @EventListener(ApplicationStartedEvent.class)
    public void checkSelection() {
        Set<String> unknown = unknown(selected, declared);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("caravan.workers names worker type(s) " + unknown + " that no consumer declares; "
                    + "the flows' worker types are " + new TreeSet<>(declared));
        }
        Set<String> running = new TreeSet<>();
        Set<String> idle = new TreeSet<>();
        declared.forEach(type -> (runs(type) ? running : idle).add(type));
        LOG.info("Workers (caravan.workers={}): running {}, not started {}", String.join(",", new TreeSet<>(selected)), running, idle);
    }

    /** Selected worker types that no consumer declared ({@code all} and {@code none} are not types). */
    static Set<String> unknown(Set<String> selected, Set<String> declared) {
        Set<String> unknown = new TreeSet<>(selected);
        unknown.remove(ALL);
        unknown.remove(NONE);
        unknown.removeAll(declared);
        return unknown;
    }
}
