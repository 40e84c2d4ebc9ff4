package io.lockd.server.grpc;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.lockd.transport.ReplicaNames;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authentication at the edge of the client port: who is calling, from the certificate the TLS
 * handshake verified, put in {@link CallerIdentity#KEY} for every call. The identity is worked out
 * once per connection, when its transport is ready, and kept in the transport's attributes, so a
 * call costs one attribute lookup. The rule (docs/security.md, "Identities"):
 *
 * <ul>
 *   <li>a replica's certificate (one with a {@code lockd://} subject alternative name URI): that
 *       URI, e.g. {@code lockd://prod/replica/2};
 *   <li>any other certificate: its subject's common name (CN), as etcd does;
 *   <li>no certificate (plaintext, or {@code --client-auth optional|none}), or one without a CN:
 *       {@link CallerIdentity#ANONYMOUS}.
 * </ul>
 */
final class CallerAuthentication {
  private static final Attributes.Key<String> IDENTITY = Attributes.Key.create("lockd-caller");

  private CallerAuthentication() {}

  /** Works out each connection's identity once, when its TLS handshake is done. */
  static ServerTransportFilter filter() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        String identity = identity(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        return attributes.toBuilder().set(IDENTITY, identity).build();
      }
    };
  }

  /** Sets {@link CallerIdentity#KEY} for the call from its connection's identity. */
  static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String identity = call.getAttributes().get(IDENTITY);
        if (identity == null || identity.isEmpty()) {
          return next.startCall(call, headers);
        }
        Context context = Context.current().withValue(CallerIdentity.KEY, identity);
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  /** The identity a verified TLS session proves; ANONYMOUS without one. */
  static String identity(SSLSession session) {
    if (session == null) {
      return CallerIdentity.ANONYMOUS;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return CallerIdentity.ANONYMOUS;
    }
    if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
      return CallerIdentity.ANONYMOUS;
    }
    return identity(cert);
  }

  /** The rule for one certificate. */
  static String identity(X509Certificate cert) {
    List<String> replica = ReplicaNames.lockdUris(cert);
    if (!replica.isEmpty()) {
      return replica.get(0);
    }
    try {
      LdapName subject = new LdapName(cert.getSubjectX500Principal().getName());
      // The most specific CN: RFC 2253 lists RDNs most specific first, LdapName keeps them last.
      List<Rdn> rdns = subject.getRdns();
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
          return rdns.get(i).getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      return CallerIdentity.ANONYMOUS;
    }
    return CallerIdentity.ANONYMOUS;
  }
}
