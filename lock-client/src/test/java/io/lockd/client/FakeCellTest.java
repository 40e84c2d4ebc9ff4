package io.lockd.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test with a fresh five-replica {@link FakeCell}, closed after each test. */
abstract class FakeCellTest {
  protected FakeCell cell;

  @BeforeEach
  void startCell() throws Exception {
    cell = newCell();
  }

  /** The cell to run against; override for other limits. */
  protected FakeCell newCell() throws Exception {
    return new FakeCell(5);
  }

  @AfterEach
  void stopCell() {
    cell.close();
  }
}
