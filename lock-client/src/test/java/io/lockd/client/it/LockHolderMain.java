package io.lockd.client.it;

import io.lockd.client.LockClient;
import java.time.Duration;
import java.util.Arrays;

/**
 * A client process that takes one lock and keeps it until it is killed: the holder a test crashes
 * with SIGKILL. Arguments: endpoints (comma-separated), lock path, session lease in ms. Prints
 * {@code HELD <session id>} once the lock is held.
 */
public final class LockHolderMain {
  private LockHolderMain() {}

  public static void main(String[] args) throws Exception {
    LockClient client =
        LockClient.builder()
            .endpoints(Arrays.asList(args[0].split(",")))
            .clientName("holder")
            .sessionLease(Duration.ofMillis(Long.parseLong(args[2])))
            .operationTimeout(Duration.ofSeconds(30))
            .attemptTimeout(Duration.ofSeconds(1))
            .build();
    if (!client.lock(args[1]).acquire(Duration.ofSeconds(60))) {
      System.out.println("NOT HELD");
      System.exit(2);
    }
    System.out.println("HELD " + client.session().id());
    System.out.flush();
    Thread.sleep(Duration.ofMinutes(10).toMillis()); // the test kills this process long before
    System.exit(3);
  }
}
