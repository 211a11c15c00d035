package io.caravan.platform.broker;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which consumers this instance runs ({@code caravan.workers}).
 *
 * @param workers {@code all} (the default), {@code none}, or worker types, e.g. {@code chat,notification}
 *                (seed 003's {@code message_worker.py --type}); see {@link WorkerSelection}
 */
@ConfigurationProperties("caravan")
public record WorkerProperties(@DefaultValue("all") List<String> workers) {

    public WorkerProperties {
        workers = workers == null ? List.of() : workers.stream().map(String::trim).filter(w -> !w.isEmpty()).toList();
    }
}
