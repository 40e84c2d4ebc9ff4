package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockd.testing.InJvmCell;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default client name comes from the process and its environment, never from DNS. */
class ClientNameTest {
  @Test
  void defaultNameIsHostnameVariableAndPidOrJavaAndPid() {
    assertEquals(
        "java-42", LockClient.Builder.defaultClientName(Map.<String, String>of()::get, 42));
    assertEquals("java-42", LockClient.Builder.defaultClientName(Map.of("HOSTNAME", " ")::get, 42));
    assertEquals(
        "web-7:42", LockClient.Builder.defaultClientName(Map.of("HOSTNAME", "web-7")::get, 42));
  }

  @Test
  void theCellListsTheDefaultName() throws Exception {
    long pid = ProcessHandle.current().pid();
    String host = System.getenv("HOSTNAME");
    String expected = host == null || host.isBlank() ? "java-" + pid : host.strip() + ":" + pid;
    try (InJvmCell cell = InJvmCell.builder().start();
        LockClient c = LockClient.builder().endpoints(cell.endpoints()).build()) {
      long id = c.session().id();
      String listed =
          c.admin().sessions().stream()
              .filter(s -> s.sessionId() == id)
              .findFirst()
              .orElseThrow()
              .clientName();
      assertEquals(expected, listed);
    }
  }
}
