package io.lockd.testing;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.LockdProto;
import io.lockd.proto.v1.RequestHeader;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the client port's faults need to know of lockd.v1, read from its descriptors rather than
 * listed by hand (a method added to the protocol is covered without a change here): which unary
 * method a request on a Calls stream stands for, and which methods are the exactly-once mutations
 * (their request carries a {@link RequestHeader}: session and sequence).
 */
final class WireMethods {
  /** Full method name ("lockd.v1.Node/SetContents") by request message type. */
  private static final Map<String, String> METHOD_BY_REQUEST = new TreeMap<>();

  private static final Set<String> MUTATIONS = new TreeSet<>();

  static {
    for (ServiceDescriptor service : LockdProto.getDescriptor().getServices()) {
      for (MethodDescriptor m : service.getMethods()) {
        if (m.isClientStreaming() || m.isServerStreaming()) {
          continue;
        }
        String name = service.getFullName() + "/" + m.getName();
        METHOD_BY_REQUEST.put(m.getInputType().getFullName(), name);
        if (hasHeader(m.getInputType())) {
          MUTATIONS.add(name);
        }
      }
    }
  }

  private WireMethods() {}

  private static boolean hasHeader(Descriptor request) {
    for (FieldDescriptor f : request.getFields()) {
      if (f.getType() == FieldDescriptor.Type.MESSAGE
          && f.getMessageType().equals(RequestHeader.getDescriptor())) {
        return true;
      }
    }
    return false;
  }

  /** The unary method a Calls-stream request stands for, or "" for a request without a body. */
  static String methodOf(CallRequest request) {
    if (request.getRequestCase() == CallRequest.RequestCase.REQUEST_NOT_SET) {
      return "";
    }
    FieldDescriptor body =
        CallRequest.getDescriptor().findFieldByNumber(request.getRequestCase().getNumber());
    return METHOD_BY_REQUEST.getOrDefault(body.getMessageType().getFullName(), "");
  }

  /** Whether {@code fullMethodName} is an exactly-once mutation (session, sequence). */
  static boolean isMutation(String fullMethodName) {
    return MUTATIONS.contains(fullMethodName);
  }
}
