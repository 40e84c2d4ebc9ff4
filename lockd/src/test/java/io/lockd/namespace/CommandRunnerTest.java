package io.lockd.namespace;

import static io.lockd.namespace.Harness.fails;
import static io.lockd.namespace.Harness.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockMode;
import org.junit.jupiter.api.Test;

/** How apply decodes, counts, keeps time and refuses malformed commands. */
class CommandRunnerTest {
  private final Harness h = new Harness();

  @Test
  void garbageAndEmptyCommandsAreRefusedAlikeEverywhere() {
    byte[] before = h.ns.snapshot();
    NamespaceResult garbage = Harness.decode(h.applyRaw(new byte[] {(byte) 0xff, 0x01, 0x02}));
    fails(garbage, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    assertTrue(garbage.getError().getMessage().startsWith("command is not a NamespaceCommand"));
    NamespaceResult empty =
        h.apply(NamespaceCommand.newBuilder().setHeader(h.header(0, 0)).build());
    assertTrue(empty.getError().getMessage().contains("no operation"));
    assertEquals(Harness.withoutBookkeeping(before), Harness.withoutBookkeeping(h.ns.snapshot()));
  }

  @Test
  void leaderCommandsTakeNoSession() {
    long s = h.session();
    NamespaceResult r =
        h.apply(
            NamespaceCommand.newBuilder()
                .setHeader(h.header(s, 1))
                .setTick(TickOp.getDefaultInstance())
                .build());
    fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
  }

  @Test
  void everyCommandGetsTheNextIndex() {
    long before = h.ns.appliedIndex();
    long s = h.session();
    assertEquals(before + 1, h.ns.appliedIndex());
    NamespaceResult refused = h.delete(s, "/missing");
    assertEquals(before + 2, refused.getIndex());
    assertEquals(before + 3, ok(h.tick()).getIndex());
  }

  @Test
  void theClockNeverGoesBack() {
    long s = h.session();
    h.file(s, "/l", "");
    h.lock(s, "/l", LockMode.LOCK_MODE_EXCLUSIVE);
    long t = h.nowMillis;
    h.nowMillis = t - 50_000; // a new leader whose clock is behind
    h.tick();
    assertEquals(t, h.ns.clockMillis());
    long other = h.session();
    long created = h.ns.getSession(other).getCreatedMillis();
    assertEquals(t, created, "times come from the state's clock, not the stale stamp");
  }

  @Test
  void slotsMustNotGoBack() {
    h.session();
    byte[] tick =
        NamespaceCommand.newBuilder()
            .setHeader(CommandHeader.getDefaultInstance())
            .setTick(TickOp.getDefaultInstance())
            .build()
            .toByteArray();
    h.ns.apply(h.slot, new Command(1, tick)); // another command of the same slot is fine
    assertThrows(IllegalStateException.class, () -> h.ns.apply(h.slot - 1, new Command(2, tick)));
  }
}
