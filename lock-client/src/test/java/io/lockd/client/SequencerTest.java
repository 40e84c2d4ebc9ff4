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
    assertTrue(text.matches("[A-Za-z0-9._-]+"), "safe in headers and environment variables: " + text);
    assertEquals(s, Sequencer.parse(text));
  }

  @Test
  void garbageIsRefusedClearly() {
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("nope"));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("lockd1.!!!"));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse("lockd1."));
    assertThrows(IllegalArgumentException.class, () -> Sequencer.parse(null));
  }
}
