package io.caravan.dev.qdrant;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The gRPC errors the test server answers with. Codes and message prefixes follow Qdrant's own
 * ({@code Not found: ...}, {@code Wrong input: ...}) so callers that inspect them behave the same
 * against the test server; anything the test server cannot do says so by name instead.
 */
final class TestServerStatus {

    static final String SERVER_NAME = "Caravan Qdrant test server";

    private TestServerStatus() {
    }

    static StatusRuntimeException collectionNotFound(String collection) {
        return Status.NOT_FOUND
                .withDescription("Not found: Collection `" + collection + "` doesn't exist!")
                .asRuntimeException();
    }

    static StatusRuntimeException pointNotFound(String pointId) {
        return Status.NOT_FOUND
                .withDescription("Not found: No point with id " + pointId + " found")
                .asRuntimeException();
    }

    static StatusRuntimeException collectionExists(String collection) {
        return Status.ALREADY_EXISTS
                .withDescription("Wrong input: Collection `" + collection + "` already exists!")
                .asRuntimeException();
    }

    static StatusRuntimeException wrongInput(String description) {
        return Status.INVALID_ARGUMENT.withDescription("Wrong input: " + description).asRuntimeException();
    }

    static StatusRuntimeException validation(String field, String problem) {
        return Status.INVALID_ARGUMENT
                .withDescription("Validation error in body: [" + field + ": " + problem + "]")
                .asRuntimeException();
    }

    static StatusRuntimeException unsupported(String feature) {
        return Status.UNIMPLEMENTED
                .withDescription(feature + " is not supported by the " + SERVER_NAME)
                .asRuntimeException();
    }
}
