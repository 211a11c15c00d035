package io.caravan.platform.ops;

import io.caravan.platform.rest.JsonAnswer;
import io.caravan.platform.rest.RestErrorPolicy;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * What the operations console ({@code /console}) reads besides the dead-letter and queue APIs, as
 * admin APIs under {@code /ops} (admin-only like the rest of {@code /ops/**}; failures problem+json):
 * <pre>
 * GET /ops/flows    each flow: its REST doors, its consumers and queues, recent message counts, this instance's workers
 * GET /ops/outbox   messages waiting in the outbox and the age of the oldest
 * </pre>
 * and the timer {@code ops.message-counts} that samples the message counters for the recent counts.
 */
@Component
public class OpsOverviewRoutes extends RouteBuilder {

    private static final String JSON = "application/json";

    @Override
    public void configure() {
        rest("/ops").description("Overview for the operations console (admin)")
                .get("/flows").id("ops.get-flows")
                    .description("Each flow of routes/*.yaml: its REST doors, the queues it consumes with their consumers,"
                            + " worker types and retry/dead-letter queues, and messages accepted, stored, retried and"
                            + " dead-lettered recently (caravan.ops.console.window); and which worker types this instance runs")
                    .produces(JSON).outType(FlowsOverview.FlowsReport.class)
                    .to("direct:ops.flows")
                .get("/outbox").id("ops.get-outbox")
                    .description("Messages accepted but still waiting in the outbox for the broker, and how long the oldest has waited")
                    .produces(JSON).outType(OutboxStatus.State.class)
                    .to("direct:ops.outbox");

        from("direct:ops.flows").routeId("ops.flows").routeConfigurationId(RestErrorPolicy.ID)
                .bean("flowsOverview", "flows")
                .to(JsonAnswer.URI);
        from("direct:ops.outbox").routeId("ops.outbox").routeConfigurationId(RestErrorPolicy.ID)
                .bean("outboxStatus", "state")
                .to(JsonAnswer.URI);

        from("timer:message-counts?period={{caravan.ops.console.sample-interval:10s}}&delay=1000")
                .routeId("ops.message-counts")
                .bean("messageCounts", "sample");
    }
}
