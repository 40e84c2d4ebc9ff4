package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.v1.ErrorReason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Groups, defined in the namespace itself: the file {@code /lockd/groups/<name>} lists the members
 * of {@code group:<name>}, one identity per line (UTF-8; surrounding spaces and tabs are trimmed,
 * empty lines and lines starting with {@code #} are skipped). A group whose file does not exist (or
 * is a directory) has no members. Groups do not nest: a line naming {@code group:...} or {@code
 * anyone} is malformed.
 *
 * <p>The file is checked when written (a malformed one is refused INVALID_ARGUMENT) and when an ACL
 * check needs it (FAILED_PRECONDITION: it can only be malformed if written before this rule). Its
 * parsed members are kept on the node until its contents change, so a check costs a set lookup, and
 * a change takes effect at the next command.
 */
final class Groups {
  static final String DIRECTORY = "/lockd/groups";

  private Groups() {}

  /** Whether {@code identity} is listed in group {@code name}'s file. */
  static boolean contains(NamespaceState state, String name, String identity) {
    Node file = state.nodes.find(DIRECTORY + "/" + name);
    if (file == null || file.isDirectory()) {
      return false;
    }
    Set<String> members = file.groupMembers();
    if (members == null) {
      members = parse(file.path, file.contents(), ErrorCode.ERROR_CODE_FAILED_PRECONDITION);
      file.cacheGroupMembers(members);
    }
    return members.contains(identity);
  }

  /** Refuses (INVALID_ARGUMENT) contents that would make {@code path} a malformed group file. */
  static void checkWrite(String path, ByteString contents) {
    // No substring on the write path: most writes are nowhere near /lockd/groups.
    if (path.startsWith(DIRECTORY)
        && path.length() > DIRECTORY.length() + 1
        && path.charAt(DIRECTORY.length()) == '/'
        && path.indexOf('/', DIRECTORY.length() + 1) < 0) {
      parse(path, contents, ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    }
  }

  static void checkName(String name, String what) {
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      throw NamespaceException.badArgument(
          "%s names no group: a group name is one path component (the file %s/<name>)",
          what, DIRECTORY);
    }
  }

  private static Set<String> parse(String path, ByteString contents, ErrorCode code) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(contents.toByteArray()))
              .toString();
    } catch (CharacterCodingException e) {
      throw malformed(code, path, 0, "it is not UTF-8");
    }
    TreeSet<String> members = new TreeSet<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String refusal = TextRules.refusal(line, true);
      if (refusal != null) {
        throw malformed(code, path, i + 1, "it has " + refusal);
      }
      if (NodePath.utf8Length(line) > Acl.PRINCIPAL_BYTES_MAX) {
        throw malformed(
            code, path, i + 1, "it is longer than PRINCIPAL_BYTES_MAX=" + Acl.PRINCIPAL_BYTES_MAX);
      }
      if (line.equals(Acl.ANYONE) || line.startsWith(Acl.GROUP_PREFIX)) {
        throw malformed(code, path, i + 1, "groups list identities, not \"anyone\" or groups");
      }
      members.add(line);
    }
    return members;
  }

  private static NamespaceException malformed(ErrorCode code, String path, int line, String why) {
    String where = line == 0 ? "" : String.format(Locale.ROOT, ", line %d", line);
    return new NamespaceException(
        code,
        ErrorReason.ERROR_REASON_BAD_GROUP_FILE,
        String.format(
            Locale.ROOT,
            "group file %s is malformed%s: %s (one identity per line)",
            NodePath.quote(path),
            where,
            why));
  }
}
