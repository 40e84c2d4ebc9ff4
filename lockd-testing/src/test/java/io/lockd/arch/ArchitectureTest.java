package io.lockd.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lockd's shape (docs/architecture.md): the layers and no package cycles; the consensus core and
 * the namespace pure, so that the deterministic simulation tests exactly the production code; the
 * server core free of gRPC, threads and I/O, so that the simulation can drive it too.
 */
class ArchitectureTest {
  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = ArchitectureRules.production("io.lockd");
  }

  @Test
  void layersOnlyUseLayersBelowThem() {
    ArchitectureRules.daemonLayers().check(production);
  }

  @Test
  void noPackageCycles() {
    ArchitectureRules.freeOfCycles().check(production);
  }

  @Test
  void paxosCoreIsPure() {
    ArchitectureRules.pureCore("io.lockd.paxos..", "java.nio..").check(production);
  }

  @Test
  void namespaceIsPure() {
    ArchitectureRules.pureCore("io.lockd.namespace..").check(production);
    ArchitectureRules.namespaceSeesOnlyTheStateMachineContract().check(production);
  }

  @Test
  void coresIterateNoHashOrder() {
    ArchitectureRules.noHashOrder("io.lockd.paxos..").check(production);
    ArchitectureRules.noHashOrder("io.lockd.namespace..").check(production);
  }

  /**
   * Messages reach results and snapshots, so they must not depend on the default locale (which can
   * change how digits are written): format with an explicit Locale.
   */
  @Test
  void namespaceFormatsWithAnExplicitLocale() {
    noClasses()
        .that()
        .resideInAPackage("io.lockd.namespace..")
        .should()
        .callMethod(String.class, "format", String.class, Object[].class)
        .orShould()
        .callMethod(String.class, "formatted", Object[].class)
        .orShould()
        .callMethod(String.class, "toLowerCase")
        .orShould()
        .callMethod(String.class, "toUpperCase")
        .check(production);
  }

  /** The server core (io.lockd.server, not its grpc adapters) runs in the simulation too. */
  @Test
  void serverCoreIsFreeOfGrpcThreadsAndIo() {
    noClasses()
        .that()
        .resideInAPackage("io.lockd.server")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "org.mapdb..",
            "java.io..",
            "java.nio.file..",
            "java.nio.channels..",
            "java.net..",
            "java.util.concurrent..",
            "java.time..",
            "io.lockd.storage..",
            "io.lockd.transport..",
            "io.lockd.server.grpc..",
            "io.lockd.daemon..",
            "picocli..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.lang.Thread")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.Random")
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .because("the simulation drives the server core with its own clocks and no threads")
        .check(production);
  }

  @Test
  void onlyWallClockReadsTheWallClock() {
    noClasses()
        .that()
        .resideInAPackage("io.lockd.server")
        .and()
        .doNotHaveSimpleName("WallClock")
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .because("leader time is injected (WallClock) so that a simulation can supply its own")
        .check(production);
  }
}
