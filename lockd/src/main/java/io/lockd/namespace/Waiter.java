package io.lockd.namespace;

import io.lockd.proto.v1.LockMode;

/**
 * A queued acquire. {@code requestSequence} is the AcquireOp's sequence number, echoed in the
 * outcome event so that the client can match the event to the request it answers.
 */
record Waiter(
    long sessionId,
    LockMode mode,
    long enqueuedMillis,
    long deadlineMillis,
    long requestSequence) {}
