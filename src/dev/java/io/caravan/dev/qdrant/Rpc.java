package io.caravan.dev.qdrant;

import java.util.function.DoubleSupplier;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a unary handler's result or failure into exactly one gRPC answer. */
final class Rpc {

    private static final Logger LOG = LoggerFactory.getLogger(Rpc.class);

    private Rpc() {
    }

    /**
     * Runs {@code handler}, which is given a clock for Qdrant's {@code time} response field
     * (seconds spent so far), and answers with its result or its status.
     */
    static <T> void answer(String method, StreamObserver<T> observer, Handler<T> handler) {
        long started = System.nanoTime();
        T response;
        try {
            response = handler.handle(() -> (System.nanoTime() - started) / 1e9);
        } catch (StatusRuntimeException e) {
            LOG.debug("{} {} answered {}", TestServerStatus.SERVER_NAME, method, e.getStatus());
            observer.onError(e);
            return;
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", TestServerStatus.SERVER_NAME, method, e);
            observer.onError(Status.INTERNAL
                    .withDescription(TestServerStatus.SERVER_NAME + " failed in " + method + ": " + e)
                    .withCause(e)
                    .asRuntimeException());
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    @FunctionalInterface
    interface Handler<T> {
        T handle(DoubleSupplier elapsedSeconds);
    }
}
