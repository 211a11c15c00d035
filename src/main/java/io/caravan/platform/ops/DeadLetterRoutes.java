package io.caravan.platform.ops;

import io.caravan.platform.rest.JsonAnswer;
import io.caravan.platform.rest.RestErrorPolicy;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.rest.RestParamType;
import org.springframework.stereotype.Component;

/**
 * The dead-letter admin API, all under {@code /ops/dead-letters}, so that one rule
 * ({@code /ops/**} needs the admin role, {@code SecurityConfiguration}) protects all of it:
 * <pre>
 * GET    /ops/dead-letters                                    Caravan's dead-letter queues and their depth
 * GET    /ops/dead-letters/{queue}?offset=&amp;limit=             a page of dead letters, head first; nothing moves
 *                                    &amp;reason=&amp;failure=&amp;original_queue=&amp;message_id=&amp;failed_after=&amp;failed_before=
 *                                                             only the dead letters these filters select
 * POST   /ops/dead-letters/{queue}/replay                     replay the selection in the body ({@link DeadLetterSelection})
 * POST   /ops/dead-letters/{queue}/delete                     delete the selection in the body
 * POST   /ops/dead-letters/{queue}/messages/{message_id}/replay   replay the dead letters with this id
 * DELETE /ops/dead-letters/{queue}/messages/{message_id}          delete the dead letters with this id
 * </pre>
 * {@code queue} is a dead-letter queue's broker name (e.g. {@code chat_history.dlq}); any other name is
 * a 404. Each verb hands over to a route {@code ops.dead-letters-<step>} that calls the bean
 * {@link DeadLetterReplay} and answers JSON; failures are answered by {@link RestErrorPolicy}.
 */
@Component
public class DeadLetterRoutes extends RouteBuilder {

    static final String PATH = "/ops/dead-letters";
    private static final String JSON = "application/json";
    private static final String SELECTION = """
            Which dead letters: {"all": true}, or any of {"message_id", "original_queue", "reason" (substring, \
            any case), "failure" (poison|transient), "failed_after", "failed_before" (ISO-8601 instants, on \
            x-caravan-last-failure)}, all of which must hold; optional "max_examined" bounds this call.""";

    @Override
    public void configure() {
        rest(PATH).description("Dead letters of Caravan's queues: list, replay, delete (admin)")
                .get().id("ops.get-dead-letter-queues")
                    .description("Caravan's dead-letter queues and how many messages each holds")
                    .produces(JSON).outType(DeadLetterReplay.DeadLetterQueue[].class)
                    .to("direct:ops.dead-letters-queues")
                .get("/{queue}").id("ops.get-dead-letters")
                    .description("A page of the dead letters in a dead-letter queue, head first, with the reasons"
                            + " they failed; they stay in the queue, in order")
                    .produces(JSON).outType(DeadLetterReplay.DeadLetterPage.class)
                    .param().name("queue").type(RestParamType.path).required(true)
                        .description("the dead-letter queue, e.g. chat_history.dlq").endParam()
                    .param().name("offset").type(RestParamType.query).dataType("integer").required(false)
                        .description("dead letters to skip (default 0)").endParam()
                    .param().name("limit").type(RestParamType.query).dataType("integer").required(false)
                        .description("page size (default 50, at most caravan.ops.dead-letters.max-page-size)").endParam()
                    .param().name("reason").type(RestParamType.query).required(false)
                        .description("only those whose reason contains this, any case").endParam()
                    .param().name("failure").type(RestParamType.query).required(false)
                        .description("only this failure kind: poison or transient").endParam()
                    .param().name("original_queue").type(RestParamType.query).required(false)
                        .description("only those that failed on this queue").endParam()
                    .param().name("message_id").type(RestParamType.query).required(false)
                        .description("only those with this message id").endParam()
                    .param().name("failed_after").type(RestParamType.query).required(false)
                        .description("only those whose last failure is at or after this ISO-8601 instant").endParam()
                    .param().name("failed_before").type(RestParamType.query).required(false)
                        .description("only those whose last failure is before this ISO-8601 instant").endParam()
                    .responseMessage().code(400).message("a filter or paging parameter is wrong").endResponseMessage()
                    .responseMessage().code(404).message("not one of Caravan's dead-letter queues").endResponseMessage()
                    .to("direct:ops.dead-letters-list")
                .post("/{queue}/replay").id("ops.post-dead-letters-replay")
                    .description("Send the selected dead letters back to the queue they failed on, each removed"
                            + " from the dead-letter queue only after the broker confirmed it")
                    .consumes(JSON).produces(JSON).type(DeadLetterSelection.class).outType(DeadLetterReplay.ReplayReport.class)
                    .param().name("queue").type(RestParamType.path).required(true).endParam()
                    .param().name("body").type(RestParamType.body).required(true).description(SELECTION).endParam()
                    .responseMessage().code(400).message("the selection names a wrong field").endResponseMessage()
                    .responseMessage().code(404).message("not one of Caravan's dead-letter queues").endResponseMessage()
                    .to("direct:ops.dead-letters-replay")
                .post("/{queue}/delete").id("ops.post-dead-letters-delete")
                    .description("Remove the selected dead letters for good")
                    .consumes(JSON).produces(JSON).type(DeadLetterSelection.class).outType(DeadLetterReplay.DeletionReport.class)
                    .param().name("queue").type(RestParamType.path).required(true).endParam()
                    .param().name("body").type(RestParamType.body).required(true).description(SELECTION).endParam()
                    .responseMessage().code(400).message("the selection names a wrong field").endResponseMessage()
                    .responseMessage().code(404).message("not one of Caravan's dead-letter queues").endResponseMessage()
                    .to("direct:ops.dead-letters-delete")
                .post("/{queue}/messages/{message_id}/replay").id("ops.post-dead-letter-replay")
                    .description("Send the dead letters with this message id back to the queue they failed on")
                    .produces(JSON).outType(DeadLetterReplay.ReplayReport.class)
                    .param().name("queue").type(RestParamType.path).required(true).endParam()
                    .param().name("message_id").type(RestParamType.path).required(true).endParam()
                    .responseMessage().code(404).message("no such dead-letter queue, or no dead letter with this id").endResponseMessage()
                    .responseMessage().code(503).message("the broker did not take the message back; it stays a dead letter").endResponseMessage()
                    .to("direct:ops.dead-letters-replay-one")
                .delete("/{queue}/messages/{message_id}").id("ops.delete-dead-letter")
                    .description("Remove the dead letters with this message id for good")
                    .produces(JSON).outType(DeadLetterReplay.DeletionReport.class)
                    .param().name("queue").type(RestParamType.path).required(true).endParam()
                    .param().name("message_id").type(RestParamType.path).required(true).endParam()
                    .responseMessage().code(404).message("no such dead-letter queue, or no dead letter with this id").endResponseMessage()
                    .to("direct:ops.dead-letters-delete-one");

        step("queues")
                .bean("deadLetterReplay", "queues")
                .to(JsonAnswer.URI);

        step("list")
                .bean("deadLetterReplay", "list(${header.queue}, ${header.offset}, ${header.limit}, ${header.message_id},"
                        + " ${header.original_queue}, ${header.reason}, ${header.failure}, ${header.failed_after},"
                        + " ${header.failed_before})")
                .to(JsonAnswer.URI);

        step("replay")
                .convertBodyTo(String.class)
                .bean("deadLetterReplay", "selection(${body})")
                .bean("deadLetterReplay", "replay(${header.queue}, ${body})")
                .to(JsonAnswer.URI);

        step("delete")
                .convertBodyTo(String.class)
                .bean("deadLetterReplay", "selection(${body})")
                .bean("deadLetterReplay", "delete(${header.queue}, ${body})")
                .to(JsonAnswer.URI);

        step("replay-one")
                .bean("deadLetterReplay", "replayMessage(${header.queue}, ${header.message_id})")
                .to(JsonAnswer.URI);

        step("delete-one")
                .bean("deadLetterReplay", "deleteMessage(${header.queue}, ${header.message_id})")
                .to(JsonAnswer.URI);
    }

    /** The route {@code ops.dead-letters-<step>} behind one verb, with the REST error policy. */
    private RouteDefinition step(String step) {
        return from("direct:ops.dead-letters-" + step)
                .routeId("ops.dead-letters-" + step)
                .routeConfigurationId(RestErrorPolicy.ID);
    }
}
