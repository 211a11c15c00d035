package io.caravan.platform.rest;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * Writes an RFC 7807 {@code application/problem+json} answer straight to a servlet response, for the
 * answers given before a request reaches a flow: security (401, 403), the JSON door
 * ({@link JsonBodyFilter}), rejected paths and container errors. The same shape as
 * {@link ProblemResponses} gives inside the flows.
 */
public class ProblemWriter {

    private final ObjectMapper json;

    public ProblemWriter(ObjectMapper json) {
        this.json = json;
    }

    /** 400 naming every wrong field under {@code errors}, as the flows do. */
    public void badRequest(HttpServletRequest request, HttpServletResponse response, List<InvalidRequestException.FieldError> errors)
            throws IOException {
        String fields = String.join(", ", errors.stream().map(InvalidRequestException.FieldError::field).distinct().toList());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Invalid field(s): " + fields);
        problem.setTitle("Invalid request");
        problem.setProperty("errors", errors.stream().map(e -> Map.of("field", e.field(), "message", e.message())).toList());
        write(request, response, problem);
    }

    public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail) throws IOException {
        write(request, response, ProblemDetail.forStatusAndDetail(status, detail));
    }

    public void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        try {
            problem.setInstance(URI.create(request.getRequestURI()));
        } catch (IllegalArgumentException | NullPointerException notAUri) {
            // the path itself is what was wrong (e.g. a NUL in it): leave the instance out
        }
        response.resetBuffer();
        response.setStatus(problem.getStatus());
        response.setContentType(ProblemResponses.PROBLEM_JSON);
        response.getOutputStream().write(json.writeValueAsBytes(problem));
        response.flushBuffer();
    }
}
