package io.lockd.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.lockd.arch.ArchitectureRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client library's part of the source tree's rule set (lockd's io.lockd.arch.ArchitectureRules,
 * docs/architecture.md): no package cycles, and a library that speaks the protocol only, with no
 * CLI, no daemon internals and no logging backend in it.
 */
class ArchitectureTest {
  private static JavaClasses production;

  @BeforeAll
  static void importClasses() {
    production = ArchitectureRules.production("io.lockd.client");
  }

  @Test
  void noPackageCycles() {
    ArchitectureRules.freeOfCycles().check(production);
  }

  @Test
  void theLibraryNamesNeitherLockctlNorTheDaemon() {
    noClasses()
        .that()
        .resideInAPackage("io.lockd.client..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.lockd.cli..", "io.lockd.examples..")
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(ArchitectureRules.DAEMON_PACKAGES)
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage("picocli..", "ch.qos.logback..")
        .because(
            "applications depend on lock-client alone: the wire protocol (protos) and slf4j-api")
        .check(production);
  }

  @Test
  void thePublicApiSpeaksTheLibrarysOwnTypes() {
    ArchitectureRules.publicApiHides("io.lockd.client", "io.lockd.proto").check(production);
  }
}
