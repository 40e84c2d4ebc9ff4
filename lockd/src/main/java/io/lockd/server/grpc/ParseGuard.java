package io.lockd.server.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.server.ServerError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes lockd parse the requests of a service itself, so that bytes that are not a valid request
 * (malformed protobuf, or a string field that is not UTF-8, which proto3 forbids) are refused
 * INVALID_ARGUMENT with a message naming the method and the field ({@link WireDiagnosis}).
 *
 * <p>Left to gRPC, the generated marshaller throws while the call is delivered, gRPC answers
 * UNKNOWN "Application error processing RPC" and logs a SEVERE stack trace per request: a client
 * could flood the log. Here the method receives the raw bytes, the guard parses them with the
 * request's own parser, and a refusal costs one status and at most one rate-limited log line
 * ({@link RefusalLog}). On a stream, the first unreadable message ends the stream (the handler sees
 * a cancellation); answers are encoded by the method's own marshaller, unchanged.
 */
final class ParseGuard {
  /** A message as it came off the wire (tests send such bytes too). */
  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final GrpcErrors errors;
  private final RefusalLog log;

  ParseGuard(GrpcErrors errors, RefusalLog log) {
    this.errors = errors;
    this.log = log;
  }

  /** The service with every protobuf method guarded (others, if any, as they were). */
  ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(m);
      methods.add(guarded);
      descriptor.addMethod(guarded.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> m : methods) {
      out.addMethod(m);
    }
    return out.build();
  }

  private <Q, A> ServerMethodDefinition<?, ?> guard(ServerMethodDefinition<Q, A> definition) {
    MethodDescriptor<Q, A> method = definition.getMethodDescriptor();
    if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p)
        || !(p.getMessagePrototype() instanceof Message prototype)) {
      return definition;
    }
    @SuppressWarnings("unchecked")
    Parser<Q> parser = (Parser<Q>) prototype.getParserForType();
    MethodDescriptor<byte[], A> raw = method.toBuilder(RAW, method.getResponseMarshaller()).build();
    ServerCallHandler<Q, A> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(
        raw,
        (call, headers) ->
            new GuardedCall<>(call, method, bytes -> parse(parser, prototype, bytes))
                .start(handler, headers));
  }

  /** The request, or an {@link Unreadable} saying what is wrong with its bytes. */
  private static <Q> Q parse(Parser<Q> parser, Message prototype, byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new Unreadable(WireDiagnosis.explain(prototype.getDescriptorForType(), bytes, e));
    }
  }

  /** Why a request's bytes could not be parsed; no stack trace (it is an outcome). */
  private static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String why) {
      super(why, null, false, false);
    }
  }

  @FunctionalInterface
  private interface RequestParser<Q> {
    Q parse(byte[] bytes);
  }

  /**
   * The call as the method's handler sees it (typed requests); underneath, the call with raw bytes.
   * Once a request was refused, nothing more reaches the handler but one cancellation.
   */
  private final class GuardedCall<Q, A> extends ForwardingServerCall<Q, A> {
    private final ServerCall<byte[], A> raw;
    private final MethodDescriptor<Q, A> method;
    private final RequestParser<Q> parser;
    private volatile boolean refused;

    GuardedCall(ServerCall<byte[], A> raw, MethodDescriptor<Q, A> method, RequestParser<Q> parser) {
      this.raw = raw;
      this.method = method;
      this.parser = parser;
    }

    ServerCall.Listener<byte[]> start(ServerCallHandler<Q, A> handler, Metadata headers) {
      ServerCall.Listener<Q> typed = handler.startCall(this, headers);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] bytes) {
          if (refused) {
            return;
          }
          Q request;
          try {
            request = parser.parse(bytes);
          } catch (Unreadable e) {
            refuse(e.getMessage());
            typed.onCancel();
            return;
          }
          typed.onMessage(request);
        }

        @Override
        public void onHalfClose() {
          if (!refused) {
            typed.onHalfClose();
          }
        }

        @Override
        public void onCancel() {
          if (!refused) {
            typed.onCancel();
          }
        }

        @Override
        public void onComplete() {
          if (!refused) {
            typed.onComplete();
          }
        }

        @Override
        public void onReady() {
          if (!refused) {
            typed.onReady();
          }
        }
      };
    }

    private void refuse(String why) {
      refused = true;
      String name = method.getFullMethodName();
      StatusRuntimeException status =
          errors.toStatus(
              new ServerError(
                  ServerError.INVALID_ARGUMENT,
                  ErrorReason.ERROR_REASON_BAD_ARGUMENT,
                  "the request to " + name + " cannot be read: " + why,
                  ServerError.NO_HINT));
      try {
        raw.close(status.getStatus(), status.getTrailers());
      } catch (IllegalStateException alreadyClosed) {
        // the call had ended; nobody to tell
      }
      log.refused(name, raw.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
    }

    /**
     * Every other method of a call takes or gives answers only, which the raw call shares; the
     * request type appears in the method descriptor alone, answered below.
     */
    @Override
    @SuppressWarnings("unchecked")
    protected ServerCall<Q, A> delegate() {
      return (ServerCall<Q, A>) (ServerCall<?, A>) raw;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!refused) { // else the guard closed it already
        raw.close(status, trailers);
      }
    }

    @Override
    public MethodDescriptor<Q, A> getMethodDescriptor() {
      return method;
    }
  }
}
