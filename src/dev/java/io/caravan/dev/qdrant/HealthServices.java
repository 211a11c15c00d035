package io.caravan.dev.qdrant;

import java.util.Set;

import grpc.health.v1.HealthCheck.HealthCheckRequest;
import grpc.health.v1.HealthCheck.HealthCheckResponse;
import grpc.health.v1.HealthGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;

/** Qdrant's own health check and the standard gRPC health service that Qdrant also exposes. */
final class HealthServices {

    private HealthServices() {
    }

    static final class QdrantService extends QdrantGrpc.QdrantImplBase {

        @Override
        public void healthCheck(io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest request,
                                StreamObserver<HealthCheckReply> observer) {
            Rpc.answer("Qdrant/HealthCheck", observer, elapsed -> HealthCheckReply.newBuilder()
                    .setTitle(QdrantTestServer.TITLE)
                    .setVersion(QdrantTestServer.VERSION)
                    .build());
        }
    }

    static final class GrpcHealthService extends HealthGrpc.HealthImplBase {

        private static final Set<String> SERVICES = Set.of("", "qdrant.Qdrant", "qdrant.Collections", "qdrant.Points");

        @Override
        public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> observer) {
            if (!SERVICES.contains(request.getService())) {
                observer.onError(Status.NOT_FOUND
                        .withDescription("unknown service " + request.getService())
                        .asRuntimeException());
                return;
            }
            observer.onNext(HealthCheckResponse.newBuilder()
                    .setStatus(HealthCheckResponse.ServingStatus.SERVING)
                    .build());
            observer.onCompleted();
        }
    }
}
