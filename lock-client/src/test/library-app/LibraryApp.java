import io.lockd.client.CreateOptions;
import io.lockd.client.DistributedLock;
import io.lockd.client.LockClient;
import org.slf4j.LoggerFactory;

/**
 * An application of a lock-client user, compiled and run by LibraryClassPathTest on the library's
 * runtime class path and its own logging backend: it takes a lock, prints the sequencer, and
 * reports which of lockctl's or a backend's classes the library brought along (none should be).
 * Exit status 0 only if the lock was held and neither picocli nor logback was found.
 */
public final class LibraryApp {
  public static void main(String[] args) throws Exception {
    boolean clean = true;
    for (String name : new String[] {"picocli.CommandLine", "ch.qos.logback.classic.Logger"}) {
      boolean present = present(name);
      System.out.println(name + (present ? ": present" : ": absent"));
      clean &= !present;
    }
    System.out.println("slf4j: " + LoggerFactory.getILoggerFactory().getClass().getName());
    try (LockClient client =
        LockClient.builder().endpoints(args[0].split(",")).clientName("library-app").build()) {
      client.mkdirs("/library-app");
      client.createUnlessExists("/library-app/lock", CreateOptions.file());
      DistributedLock lock = client.lock("/library-app/lock");
      if (!lock.tryAcquire()) {
        System.out.println("lock not acquired");
        System.exit(3);
      }
      System.out.println("sequencer " + lock.sequencer().encode());
      LoggerFactory.getLogger(LibraryApp.class).info("lock held");
      lock.release();
    }
    System.exit(clean ? 0 : 2);
  }

  private static boolean present(String className) {
    try {
      Class.forName(className);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
