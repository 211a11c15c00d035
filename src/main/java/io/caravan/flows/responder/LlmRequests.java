package io.caravan.flows.responder;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * Builds the request body for an OpenAI-compatible chat-completions API (the responder's LLM option).
 * The responder (routes/responder.yaml) is shared by chat-history and chat-relay through its one entry
 * point, the route {@code direct:responder}: body in, the bot's reply out.
 */
@Component("llmRequests")
public class LlmRequests {

    private final ObjectMapper json;

    public LlmRequests(ObjectMapper json) {
        this.json = json;
    }

    /** {@code {"model": model, "messages": [{"role": "user", "content": message}]}} as JSON text. */
    public String chatCompletion(String message, String model) throws JsonProcessingException {
        return json.writeValueAsString(Map.of(
                "model", model,
                "messages", List.of(Map.of("role", "user", "content", message))));
    }
}
