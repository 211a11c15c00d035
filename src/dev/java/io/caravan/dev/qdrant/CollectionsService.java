package io.caravan.dev.qdrant;

import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections.CollectionDescription;
import io.qdrant.client.grpc.Collections.CollectionExists;
import io.qdrant.client.grpc.Collections.CollectionExistsRequest;
import io.qdrant.client.grpc.Collections.CollectionExistsResponse;
import io.qdrant.client.grpc.Collections.CollectionOperationResponse;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Collections.GetCollectionInfoRequest;
import io.qdrant.client.grpc.Collections.GetCollectionInfoResponse;
import io.qdrant.client.grpc.Collections.ListCollectionsRequest;
import io.qdrant.client.grpc.Collections.ListCollectionsResponse;
import io.qdrant.client.grpc.CollectionsGrpc;

/** {@code qdrant.Collections}: Create, Get, List, Delete and CollectionExists. */
final class CollectionsService extends CollectionsGrpc.CollectionsImplBase {

    private final CollectionStore store;

    CollectionsService(CollectionStore store) {
        this.store = store;
    }

    @Override
    public void create(CreateCollection request, StreamObserver<CollectionOperationResponse> observer) {
        Rpc.answer("Collections/Create", observer, elapsed -> {
            store.add(StoredCollection.create(request));
            return CollectionOperationResponse.newBuilder().setResult(true).setTime(elapsed.getAsDouble()).build();
        });
    }

    @Override
    public void get(GetCollectionInfoRequest request, StreamObserver<GetCollectionInfoResponse> observer) {
        Rpc.answer("Collections/Get", observer, elapsed -> GetCollectionInfoResponse.newBuilder()
                .setResult(store.require(request.getCollectionName()).info())
                .setTime(elapsed.getAsDouble())
                .build());
    }

    @Override
    public void list(ListCollectionsRequest request, StreamObserver<ListCollectionsResponse> observer) {
        Rpc.answer("Collections/List", observer, elapsed -> {
            ListCollectionsResponse.Builder response = ListCollectionsResponse.newBuilder();
            store.names().forEach(name -> response.addCollections(CollectionDescription.newBuilder().setName(name)));
            return response.setTime(elapsed.getAsDouble()).build();
        });
    }

    @Override
    public void delete(DeleteCollection request, StreamObserver<CollectionOperationResponse> observer) {
        Rpc.answer("Collections/Delete", observer, elapsed -> CollectionOperationResponse.newBuilder()
                .setResult(store.remove(request.getCollectionName()))
                .setTime(elapsed.getAsDouble())
                .build());
    }

    @Override
    public void collectionExists(CollectionExistsRequest request,
                                 StreamObserver<CollectionExistsResponse> observer) {
        Rpc.answer("Collections/CollectionExists", observer, elapsed -> CollectionExistsResponse.newBuilder()
                .setResult(CollectionExists.newBuilder().setExists(store.exists(request.getCollectionName())))
                .setTime(elapsed.getAsDouble())
                .build());
    }
}
