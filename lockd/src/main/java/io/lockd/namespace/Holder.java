package io.lockd.namespace;

import io.lockd.proto.v1.LockMode;

/** A session holding a lock, with the generation of its grant (its sequencer's generation). */
record Holder(long sessionId, LockMode mode, long generation, long grantedMillis) {}
