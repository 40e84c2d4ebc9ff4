package io.lockd.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one rule set of the source tree (docs/architecture.md draws it). The daemon's
 * ArchitectureTest (in lockd-testing) checks all of it; lock-client's and lockctl's tests check
 * their own packages with the same cycle rule and the same list of the daemon's packages (they
 * reach this class through the lockd-testing module).
 */
public final class ArchitectureRules {
  /** Every package of the daemon: neither the client library nor lockctl may name one. */
  public static final String[] DAEMON_PACKAGES = {
    "io.lockd.daemon..",
    "io.lockd.server..",
    "io.lockd.metrics..",
    "io.lockd.replica..",
    "io.lockd.paxos..",
    "io.lockd.invariant..",
    "io.lockd.namespace..",
    "io.lockd.storage..",
    "io.lockd.transport.."
  };

  /**
   * The stream types of java.io, which reach no file or socket by themselves: the cores read
   * snapshots as streams ({@code SnapshotBytes.open}, protobuf's {@code CodedInputStream}). Where
   * the bytes come from is the driver's business (a store hands the core a snapshot whose bytes are
   * in a file); everything in java.io that opens one stays forbidden.
   */
  private static final com.tngtech.archunit.base.DescribedPredicate<JavaClass> BYTE_STREAMS =
      JavaClass.Predicates.belongToAnyOf(
          java.io.InputStream.class, java.io.IOException.class, java.io.UncheckedIOException.class);

  /** What deterministic code must not touch: I/O, threads, timers and the daemon's I/O layers. */
  private static final String[] IMPURE_PACKAGES = {
    "io.grpc..",
    "org.mapdb..",
    "picocli..",
    "java.io..",
    "java.nio.file..",
    "java.nio.channels..",
    "java.net..",
    "java.util.concurrent..",
    "java.time..",
    "io.lockd.storage..",
    "io.lockd.transport..",
    "io.lockd.server..",
    "io.lockd.daemon.."
  };

  private ArchitectureRules() {}

  /** The production classes of {@code packages} on the class path (no test classes). */
  public static JavaClasses production(String... packages) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        // This module's own classes (the simulation, test utilities) are test code too.
        .withImportOption(location -> !location.contains("lockd-testing"))
        .importPackages(packages);
  }

  /** No two packages under io.lockd depend on each other, directly or through others. */
  public static ArchRule freeOfCycles() {
    return slices()
        .matching("io.lockd.(**)")
        .should()
        .beFreeOfCycles()
        .because(
            "a package cycle makes two packages one: neither can be understood, tested or "
                + "moved alone");
  }

  /**
   * {@code pkg} (with subpackages) is deterministic and free of I/O: no network, disk, threads,
   * executors, timers, clocks or unseeded randomness, and none of the daemon's I/O layers.
   *
   * @param alsoForbidden packages forbidden in this core only, beyond the shared list
   */
  public static ArchRule pureCore(String pkg, String... alsoForbidden) {
    String[] forbidden =
        Stream.concat(Stream.of(IMPURE_PACKAGES), Stream.of(alsoForbidden)).toArray(String[]::new);
    return noClasses()
        .that()
        .resideInAPackage(pkg)
        .should()
        .dependOnClassesThat(
            JavaClass.Predicates.resideInAnyPackage(forbidden).and(not(BYTE_STREAMS)))
        .orShould()
        .dependOnClassesThat()
        .areAssignableTo(Thread.class)
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.lang.Runnable")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.Timer")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.Random")
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .because(pkg + " runs unchanged in the deterministic simulation");
  }

  /** Iteration order of a hash map or set can differ between runs and leak into results. */
  public static ArchRule noHashOrder(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(pkg)
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.HashMap")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("java.util.HashSet")
        .because(
            "results and snapshots must be the same on every replica (use TreeMap, "
                + "LinkedHashMap or EnumMap)");
  }

  /**
   * The daemon's layers, top to bottom; a layer uses only layers below it. The namespace is the
   * replica's state machine: it implements {@code replica.StateMachine}, and the replica is handed
   * a state machine and never names the namespace.
   */
  public static ArchRule daemonLayers() {
    return layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("daemon")
        .definedBy("io.lockd.daemon..")
        .layer("grpc")
        .definedBy("io.lockd.server.grpc..")
        .layer("metrics")
        .definedBy("io.lockd.metrics..")
        .layer("server")
        .definedBy("io.lockd.server")
        .layer("namespace")
        .definedBy("io.lockd.namespace..")
        .layer("replica")
        .definedBy("io.lockd.replica..")
        .layer("storage")
        .definedBy("io.lockd.storage..")
        .layer("transport")
        .definedBy("io.lockd.transport..")
        .layer("paxos")
        .definedBy("io.lockd.paxos..")
        .layer("invariant")
        .definedBy("io.lockd.invariant..")
        .whereLayer("daemon")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("grpc")
        .mayOnlyBeAccessedByLayers("daemon")
        .whereLayer("metrics")
        .mayOnlyBeAccessedByLayers("grpc", "daemon")
        .whereLayer("server")
        .mayOnlyBeAccessedByLayers("metrics", "grpc", "daemon")
        .whereLayer("namespace")
        .mayOnlyBeAccessedByLayers("metrics", "server", "grpc", "daemon")
        .whereLayer("replica")
        .mayOnlyBeAccessedByLayers("namespace", "metrics", "server", "grpc", "daemon")
        .whereLayer("storage")
        .mayOnlyBeAccessedByLayers("replica", "metrics", "grpc", "daemon")
        .whereLayer("transport")
        .mayOnlyBeAccessedByLayers("replica", "metrics", "grpc", "daemon")
        .whereLayer("paxos")
        .mayOnlyBeAccessedByLayers(
            "storage", "transport", "replica", "namespace", "metrics", "server", "grpc", "daemon")
        .whereLayer("invariant")
        .mayOnlyBeAccessedByLayers(
            "paxos",
            "storage",
            "transport",
            "replica",
            "namespace",
            "metrics",
            "server",
            "grpc",
            "daemon");
  }

  /** Of the replica, the namespace sees only the contract it implements. */
  public static ArchRule namespaceSeesOnlyTheStateMachineContract() {
    return noClasses()
        .that()
        .resideInAPackage("io.lockd.namespace..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("io.lockd.replica..")
                .and(not(nameMatching("io\\.lockd\\.replica\\.StateMachine(\\$.*)?"))))
        .because(
            "the replica drives the namespace through StateMachine (and its nested types) and"
                + " nothing else");
  }

  /**
   * No public or protected member of a public class of {@code apiPackage} names a class of {@code
   * hiddenPackages} in its signature (field type, return type, parameters, generic arguments, a
   * public type's supertypes): an API that hands out another layer's types ties its users to that
   * layer (issue 10: the client returned generated proto messages).
   */
  public static ArchRule publicApiHides(String apiPackage, String... hiddenPackages) {
    return classes()
        .that()
        .resideInAPackage(apiPackage)
        .and()
        .arePublic()
        .should(
            new ArchCondition<JavaClass>("expose no type of " + String.join(", ", hiddenPackages)) {
              @Override
              public void check(JavaClass type, ConditionEvents events) {
                if (!effectivelyPublic(type)) {
                  return;
                }
                for (String problem : exposures(type, hiddenPackages)) {
                  events.add(SimpleConditionEvent.violated(type, problem));
                }
              }
            })
        .because("applications should depend on the library's types, not on its wire format");
  }

  private static boolean effectivelyPublic(JavaClass type) {
    for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null)) {
      if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
        return false;
      }
    }
    return true;
  }

  private static List<String> exposures(JavaClass type, String[] hiddenPackages) {
    List<String> problems = new ArrayList<>();
    type.getRawSuperclass()
        .ifPresent(s -> check(type.getName() + " extends", s, hiddenPackages, problems));
    type.getRawInterfaces()
        .forEach(i -> check(type.getName() + " implements", i, hiddenPackages, problems));
    for (JavaMember m : type.getMembers()) {
      Set<JavaModifier> mods = m.getModifiers();
      if (!mods.contains(JavaModifier.PUBLIC) && !mods.contains(JavaModifier.PROTECTED)) {
        continue;
      }
      List<JavaType> types = new ArrayList<>();
      if (m instanceof JavaField f) {
        types.add(f.getType());
      }
      if (m instanceof JavaMethod method) {
        types.add(method.getReturnType());
      }
      if (m instanceof JavaCodeUnit unit) {
        types.addAll(unit.getParameterTypes());
      }
      for (JavaType t : types) {
        t.getAllInvolvedRawTypes()
            .forEach(raw -> check(m.getFullName(), raw, hiddenPackages, problems));
      }
    }
    return problems;
  }

  private static void check(
      String where, JavaClass named, String[] hiddenPackages, List<String> problems) {
    for (String hidden : hiddenPackages) {
      if (named.getPackageName().equals(hidden)
          || named.getPackageName().startsWith(hidden + ".")) {
        problems.add(where + " exposes " + named.getName());
      }
    }
  }
}
