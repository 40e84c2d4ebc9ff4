package io.lockd.client.sim;

import io.lockd.client.Acl;
import io.lockd.client.AsyncLockClient;
import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockMode;
import io.lockd.client.LockdException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * A third activity of a simulated application, beside its locks and reads: it changes ACLs and the
 * one group at random and tries every kind of logged operation under {@value #ROOT}, as its own
 * identity ({@link #identity}), so that the cell decides allowed and denied requests while replicas
 * crash, partition and catch up from snapshots. lockd-testing's {@code AclChecker} checks every
 * command each replica applies against the ACLs it recomputes from the applied commands. A refusal
 * here is an ordinary outcome; the locks and data the rest of the application uses stay open to
 * all.
 */
final class AclProbes {
  static final String ROOT = "/acl";
  static final List<String> NODES = List.of(ROOT, ROOT + "/n0", ROOT + "/n1", ROOT + "/n2");
  static final String GROUP = "/lockd/groups/g";

  private final AsyncLockClient async;
  private final RandomGenerator random;
  private final int clients;
  private final BiConsumer<String, Throwable> failed;
  long denied;
  long done;

  AclProbes(
      AsyncLockClient async,
      RandomGenerator random,
      int clients,
      BiConsumer<String, Throwable> failed) {
    this.async = async;
    this.random = random;
    this.clients = clients;
    this.failed = failed;
  }

  /** The identity the simulated client port authenticates client {@code c} as. */
  static String identity(int c) {
    return "user-" + c;
  }

  /** The nodes the probes use, made once by the bootstrap (open, like the rest). */
  static CompletableFuture<?> bootstrap(AsyncLockClient async) {
    CompletableFuture<?> chain = async.mkdirs(ROOT);
    for (String n : NODES.subList(1, NODES.size())) {
      chain = chain.thenCompose(x -> async.createUnlessExists(n, CreateOptions.file()));
    }
    return chain
        .thenCompose(x -> async.mkdirs("/lockd/groups"))
        .thenCompose(x -> async.createUnlessExists(GROUP, CreateOptions.file()));
  }

  /** One random operation; {@code then} runs when it ended, whatever its outcome. */
  void one(Runnable then) {
    String node = NODES.get(1 + random.nextInt(NODES.size() - 1));
    CompletableFuture<?> op =
        switch (random.nextInt(7)) {
          case 0 -> async.setAcl(random.nextBoolean() ? ROOT : node, randomAcl());
          case 1 -> async.setContents(GROUP, members());
          case 2 -> async.setContents(node, "x".getBytes(StandardCharsets.UTF_8));
          case 3 -> createAndDelete();
          case 4 -> lockAndRelease(node);
          case 5 -> async.getContents(node);
          default -> async.stat(node);
        };
    op.whenComplete(
        (x, error) -> {
          done++;
          if (error != null) {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof LockdException e
                && e.reason() == LockdException.Reason.PERMISSION_DENIED) {
              denied++;
            } else {
              failed.accept("acl probe", error);
            }
          }
          then.run();
        });
  }

  private CompletableFuture<?> createAndDelete() {
    String path = ROOT + "/t" + random.nextInt(3);
    return async
        .create(path, CreateOptions.file())
        .handle((x, e) -> null)
        .thenCompose(x -> async.delete(path));
  }

  private CompletableFuture<?> lockAndRelease(String node) {
    DistributedLock lock = async.lock(node, LockMode.EXCLUSIVE, (l, why) -> {});
    return lock.acquireAsync(Duration.ZERO)
        .thenCompose(
            granted ->
                granted ? lock.releaseAsync() : CompletableFuture.completedFuture((Void) null));
  }

  /** Some of the users, sometimes "group:g" and "anyone", with random rights; always an admin. */
  private Acl randomAcl() {
    List<Acl.Entry> entries = new ArrayList<>();
    int admin = 1 + random.nextInt(clients);
    for (int c = 1; c <= clients; c++) {
      EnumSet<Acl.Right> rights = randomRights();
      if (c == admin) {
        rights.add(Acl.Right.ADMIN);
      }
      if (!rights.isEmpty()) {
        entries.add(new Acl.Entry(identity(c), rights));
      }
    }
    for (String other : new String[] {"group:g", Acl.ANYONE}) {
      EnumSet<Acl.Right> rights = randomRights();
      if (random.nextBoolean() && !rights.isEmpty()) {
        entries.add(new Acl.Entry(other, rights));
      }
    }
    return Acl.of(entries);
  }

  private EnumSet<Acl.Right> randomRights() {
    EnumSet<Acl.Right> rights = EnumSet.noneOf(Acl.Right.class);
    for (Acl.Right r : Acl.Right.values()) {
      if (random.nextInt(3) == 0) {
        rights.add(r);
      }
    }
    return rights;
  }

  private byte[] members() {
    StringBuilder s = new StringBuilder();
    for (int c = 1; c <= clients; c++) {
      if (random.nextBoolean()) {
        s.append(identity(c)).append('\n');
      }
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }
}
