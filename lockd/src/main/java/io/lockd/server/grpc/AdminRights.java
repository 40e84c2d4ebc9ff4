package io.lockd.server.grpc;

import io.lockd.server.ServerError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may administer the cell: the configured admin identities ({@code --admin}), and the anonymous
 * caller only if {@code --allow-anonymous-admin} says so (a plaintext cell for local trials, where
 * every caller is anonymous). Checked by the replica that takes the call, on the call's thread;
 * every member has the same list (it is one of the cell's shared settings).
 */
public final class AdminRights {
  private final Set<String> admins;
  private final boolean anonymousAllowed;

  /** IllegalArgumentException for an empty identity (anonymous is its own switch). */
  public AdminRights(List<String> admins, boolean anonymousAllowed) {
    if (admins.contains("")) {
      throw new IllegalArgumentException(
          "--admin names no identity; the anonymous caller is let in by --allow-anonymous-admin");
    }
    this.admins = new TreeSet<>(admins);
    this.anonymousAllowed = anonymousAllowed;
  }

  public boolean allows(String identity) {
    return identity.isEmpty() ? anonymousAllowed : admins.contains(identity);
  }

  /** PERMISSION_DENIED naming the missing right, or null if {@code identity} may {@code what}. */
  ServerError refusal(String identity, String what) {
    if (allows(identity)) {
      return null;
    }
    String who =
        identity.isEmpty()
            ? "the anonymous caller (the cell refuses anonymous admin unless started with"
                + " --allow-anonymous-admin)"
            : "identity \"" + identity + "\" (not one of the cell's --admin identities)";
    return ServerError.permissionDenied(who + " lacks the admin right to " + what);
  }

  /**
   * The admin settings as one cell setting: a digest of the sorted identities, since identities
   * (certificate subjects) may hold characters the handshake's key=value list cannot.
   */
  String digest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String a : admins) {
        sha.update(a.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8) + (anonymousAllowed ? "+anonymous" : "");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
