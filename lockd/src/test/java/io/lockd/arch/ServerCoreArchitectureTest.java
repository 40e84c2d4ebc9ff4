package io.lockd.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server core ({@code io.lockd.server}, apart from the daemon's entry point) runs unchanged in
 * the deterministic simulation: it must not touch gRPC, threads, sockets, files or the clocks
 * (time comes from the replica's clock and an injected {@code WallClock}).
 */
class ServerCoreArchitectureTest {
  /** The daemon's entry point and its command-line parsing: production-only by design. */
  private static final Set<String> ENTRY_POINT = Set.of("LockdMain", "StatusCommand", "Members");

  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.lockd.server");
  }

  private static final DescribedPredicate<JavaClass> CORE =
      new DescribedPredicate<>("are the server core") {
        @Override
        public boolean test(JavaClass c) {
          String top = c.getSimpleName().isEmpty() || c.getEnclosingClass().isPresent()
              ? outermost(c).getSimpleName() : c.getSimpleName();
          return c.getPackageName().equals("io.lockd.server") && !ENTRY_POINT.contains(top);
        }
      };

  private static JavaClass outermost(JavaClass c) {
    JavaClass out = c;
    while (out.getEnclosingClass().isPresent()) {
      out = out.getEnclosingClass().get();
    }
    return out;
  }

  @Test
  void serverCoreIsFreeOfGrpcThreadsAndIo() {
    noClasses().that(CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.grpc..", "org.mapdb..", "java.io..", "java.nio.file..", "java.nio.channels..",
            "java.net..", "java.util.concurrent..", "java.time..", "io.lockd.storage..",
            "io.lockd.transport..", "io.lockd.server.grpc..", "picocli..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
        .orShould().callMethod(Math.class, "random")
        .orShould().callMethod(System.class, "nanoTime")
        .because("the simulation drives the server core with its own clocks and no threads")
        .check(production);
  }

  @Test
  void onlyWallClockReadsTheWallClock() {
    noClasses().that(CORE).and().doNotHaveSimpleName("WallClock")
        .should().callMethod(System.class, "currentTimeMillis")
        .because("leader time is injected (WallClock) so that a simulation can supply its own")
        .check(production);
  }
}
