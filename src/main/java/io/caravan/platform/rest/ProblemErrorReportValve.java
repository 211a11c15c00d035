package io.caravan.platform.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error page for the errors it answers itself, before Spring sees the request (a {@code %00}
 * or {@code %2F} in the path, a request line or header too long): problem+json instead of Tomcat's HTML.
 * Installed as the host's error report valve by {@link ContainerErrors}.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBooleanHolder io = new AtomicBooleanHolder();
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, io.flag);
        if (!io.flag.get()) {
            return;
        }
        ObjectNode problem = JSON.createObjectNode()
                .put("type", "about:blank")
                .put("title", status == 400 ? "Bad Request" : "Error")
                .put("status", status)
                .put("detail", status == 400
                        ? "The request's path or headers are not acceptable (e.g. an encoded NUL or slash, or longer than the server takes)."
                        : "The server could not handle this request.");
        try {
            response.setContentType(ProblemResponses.PROBLEM_JSON);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getOutputStream().write(JSON.writeValueAsBytes(problem));
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response already committed: nothing more to say
        }
    }

    private static final class AtomicBooleanHolder {
        final java.util.concurrent.atomic.AtomicBoolean flag = new java.util.concurrent.atomic.AtomicBoolean();
    }
}
