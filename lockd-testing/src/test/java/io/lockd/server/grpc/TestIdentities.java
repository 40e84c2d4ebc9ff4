package io.lockd.server.grpc;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.MetadataUtils;

/**
 * TEST ONLY: a client-port interceptor that takes the caller's identity from a request header, so
 * that tests can play several identities over plaintext. Production derives the identity from the
 * client's TLS certificate; a header anyone can set must never reach it.
 */
final class TestIdentities {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("lockd-test-identity", Metadata.ASCII_STRING_MARSHALLER);

  private TestIdentities() {}

  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String identity = headers.get(HEADER);
        if (identity == null) {
          return next.startCall(call, headers);
        }
        Context withIdentity = Context.current().withValue(CallerIdentity.KEY, identity);
        return Contexts.interceptCall(withIdentity, call, headers, next);
      }
    };
  }

  /** {@code channel} with every call claiming {@code identity}. */
  static Channel as(Channel channel, String identity) {
    Metadata headers = new Metadata();
    headers.put(HEADER, identity);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
