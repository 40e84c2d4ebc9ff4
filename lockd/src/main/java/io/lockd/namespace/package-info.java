/**
 * The namespace: lockd's replicated state machine (DESIGN.md, "The namespace").
 *
 * <p>{@link io.lockd.namespace.Namespace} is the only public entry point besides its limits and its
 * exception. Everything else is package-private and split by idea: paths ({@code NodePath}), the
 * tree ({@code Node}, {@code NodeTree}, {@code NodeOps}), locks ({@code LockState}, {@code
 * LockTable}, {@code LockOps}, {@code Timer}), sessions ({@code Session}, {@code SessionTable},
 * {@code SessionOps}), events and watches ({@code EventBuffer}, {@code EventRouter}, {@code
 * WatchTable}, {@code WatchOps}), the order of applying ({@code CommandRunner}), reads ({@code
 * Queries}) and the snapshot ({@code SnapshotCodec}).
 *
 * <p>Definitions the rest relies on:
 *
 * <ul>
 *   <li><b>Index</b>: the count of applied commands; each command's index is the count including
 *       it. Results and events carry it; it only grows and is the same on every replica.
 *   <li><b>Clock</b>: the largest leader time stamped on any applied command. Nothing else tells
 *       the namespace the time; waiting deadlines and lock-delays end when a command (a Tick if
 *       nothing else) carries the clock past them.
 *   <li><b>Exactly-once</b>: a client command carries (session, sequence). The session remembers
 *       the last sequence and its encoded answer, refusals included; the same sequence again gets
 *       that answer without applying, a lower one is refused as stale. Clients keep one mutating
 *       request outstanding per session; numbers grow, gaps are allowed.
 * </ul>
 *
 * <p>Purity: no clocks, randomness, threads or I/O, and no hash-ordered collections; {@code
 * NamespacePurityTest} enforces it.
 */
package io.lockd.namespace;
