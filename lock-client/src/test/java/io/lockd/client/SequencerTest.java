package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SequencerTest {
  @Test
  void textFormRoundTrips() {
    Sequencer s = new Sequencer("/a b/ü:1", LockMode.SHARED, 42, 7, 99);
    String text = s.encode();
    assertTrue(text.startsWith("lockd1."));
    assertTrue(
        text.matches("[A-Za-z0-9._-]+"), "safe in headers and environment variables: " + text);
    assertEquals(s, Sequencer.parse(text));
  }

  /** The examples of docs/protocol.md, which resource servers in other languages follow. */
  @Test
  void theTextFormIsTheDocumentedOne() {
    // "lockd1." + unpadded base64url of the protobuf encoding of lockd.v1.Sequencer:
    // 0a 0a "/jobs/lead" 10 01 18 2a 20 03 28 81 01
    Sequencer lead = new Sequencer("/jobs/lead", LockMode.EXCLUSIVE, 42, 3, 129);
    assertEquals("lockd1.Cgovam9icy9sZWFkEAEYKiADKIEB", lead.encode());
    assertEquals(lead, Sequencer.parse("lockd1.Cgovam9icy9sZWFkEAEYKiADKIEB"));
    // 0a 03 "/ab" 10 02 18 07 20 03 28 05: 13 bytes, so padding would be "==", which may be there
    Sequencer shared = new Sequencer("/ab", LockMode.SHARED, 7, 3, 5);
    assertEquals("lockd1.CgMvYWIQAhgHIAMoBQ", shared.encode());
    assertEquals(shared, Sequencer.parse("lockd1.CgMvYWIQAhgHIAMoBQ=="));
  }

  @Test
  void garbageIsRefusedClearly() {
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("nope"));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("lockd1.!!!"));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("lockd1."));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse(null));
  }
}
