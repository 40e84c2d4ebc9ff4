package io.lockd.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Says which field of a request makes its bytes unparsable, for the error a client gets: protobuf's
 * own exception says only "Protocol message had invalid UTF-8." or "the input ended unexpectedly".
 * It walks the wire format against the message's descriptor, as the parser does, and stops at the
 * first string field that is not UTF-8 (proto3 strings must be) or the first field that cannot be
 * read. The text it returns names fields from lockd's own schema, never bytes from the request.
 */
final class WireDiagnosis {
  /** Messages nest no deeper than this in lockd's schema; deeper bytes are a hostile request. */
  private static final int DEPTH_MAX = 32;

  private WireDiagnosis() {}

  /** What is wrong with {@code bytes} as a {@code type}, which failed to parse with {@code e}. */
  static String explain(Descriptor type, byte[] bytes, InvalidProtocolBufferException e) {
    String found = walk(type, CodedInputStream.newInstance(bytes), "", 0);
    return found != null
        ? found + " (in a " + type.getFullName() + ")"
        : "it is not a valid " + type.getFullName() + ": " + e.getMessage();
  }

  /** The first problem in a message's fields, or null if none was found. */
  private static String walk(Descriptor type, CodedInputStream in, String prefix, int depth) {
    if (depth > DEPTH_MAX) {
      return "field " + prefix + " nests messages more than " + DEPTH_MAX + " deep";
    }
    String after = prefix.isEmpty() ? "the start" : "the start of " + prefix;
    while (true) {
      int tag;
      try {
        if (in.isAtEnd()) {
          return null;
        }
        tag = in.readTag();
      } catch (IOException e) {
        return "the bytes after " + after + " are not a field: " + e.getMessage();
      }
      int number = WireFormat.getTagFieldNumber(tag);
      FieldDescriptor field = type.findFieldByNumber(number);
      String name = prefix + (field == null ? "#" + number : field.getName());
      try {
        String problem =
            field != null && isNested(field, tag)
                ? nested(field, in.readBytes(), name, depth)
                : in.skipField(tag) ? null : "field " + name + " ends a group that never started";
        if (problem != null) {
          return problem;
        }
      } catch (IOException e) {
        return "field " + name + " is malformed: " + e.getMessage();
      }
      after = "field " + name;
    }
  }

  /** A string or message field in its length-delimited form: the ones to look inside. */
  private static boolean isNested(FieldDescriptor field, int tag) {
    return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED
        && (field.getType() == FieldDescriptor.Type.STRING
            || field.getType() == FieldDescriptor.Type.MESSAGE);
  }

  private static String nested(FieldDescriptor field, ByteString value, String name, int depth) {
    if (field.getType() == FieldDescriptor.Type.STRING) {
      return value.isValidUtf8() ? null : "field " + name + " is not valid UTF-8";
    }
    return walk(field.getMessageType(), value.newCodedInput(), name + ".", depth + 1);
  }
}
