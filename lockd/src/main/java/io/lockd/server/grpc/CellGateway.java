package io.lockd.server.grpc;

import io.grpc.stub.StreamObserver;
import io.lockd.replica.Replica;
import io.lockd.replica.ReplicaLoop;
import io.lockd.server.CellServer;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way gRPC threads reach the {@link CellServer}: they enqueue a task on the replica's loop
 * and return; answers come back through {@link #reply} from the loop thread. A full loop means
 * RESOURCE_EXHAUSTED at once.
 *
 * <p>A task that throws found a bug in the server core, whose state may now be half changed: its
 * caller is answered INTERNAL, and the exception goes on to the loop, which stops the replica
 * (fail-stop, as for any unexpected error on the loop) rather than serve from that state.
 */
public final class CellGateway {
  private static final Logger log = LoggerFactory.getLogger(CellGateway.class);

  /**
   * Where tasks for the replica's thread go: the {@link ReplicaLoop} in production; a deterministic
   * simulation passes its own (tasks run in order on its event queue, each followed by the
   * replica's flush, as the loop does).
   */
  @FunctionalInterface
  public interface TaskQueue {
    /** Queues {@code task} for the replica's thread; false if the queue is full or stopped. */
    boolean submit(Consumer<Replica> task);
  }

  private final TaskQueue loop;
  private final CellServer cell;
  private final GrpcErrors errors;
  private final int selfId;

  public CellGateway(ReplicaLoop loop, CellServer cell, GrpcErrors errors, int selfId) {
    this(loop::submit, cell, errors, selfId);
  }

  public CellGateway(TaskQueue loop, CellServer cell, GrpcErrors errors, int selfId) {
    this.loop = loop;
    this.cell = cell;
    this.errors = errors;
    this.selfId = selfId;
  }

  public GrpcErrors errors() {
    return errors;
  }

  /** Runs {@code task} on the loop; tells {@code observer} if it could not be queued or failed. */
  public void run(StreamObserver<?> observer, Consumer<CellServer> task) {
    boolean queued =
        loop.submit(
            r -> {
              try {
                task.accept(cell);
              } catch (RuntimeException e) {
                fail(observer, errors.toStatus(stopping(e)));
                throw e;
              }
            });
    if (!queued) {
      fail(observer, errors.overloaded(selfId));
    }
  }

  /** Runs {@code task} on the loop; tells {@code reply} if it could not be queued or failed. */
  public void run(Reply<?> reply, Consumer<CellServer> task) {
    boolean queued =
        loop.submit(
            r -> {
              try {
                task.accept(cell);
              } catch (RuntimeException e) {
                try {
                  reply.error(stopping(e));
                } catch (RuntimeException answering) {
                  e.addSuppressed(answering); // the reply may be what failed
                }
                throw e;
              }
            });
    if (!queued) {
      reply.error(GrpcErrors.overloadedError(selfId));
    }
  }

  /** Queues a task with no caller to tell; false if the loop is full or stopped. */
  public boolean submit(Consumer<CellServer> task) {
    return loop.submit(r -> task.accept(cell));
  }

  /** A reply that completes a unary call. */
  public <T> Reply<T> reply(StreamObserver<T> observer) {
    return new Reply<>() {
      @Override
      public void ok(T value) {
        try {
          observer.onNext(value);
          observer.onCompleted();
        } catch (RuntimeException e) {
          log.debug("replica {}: answer not delivered (call ended): {}", selfId, e.toString());
        }
      }

      @Override
      public void error(ServerError error) {
        fail(observer, errors.toStatus(error));
      }
    };
  }

  private ServerError stopping(RuntimeException e) {
    return ServerError.internal("internal error; replica " + selfId + " stops: " + e);
  }

  private void fail(StreamObserver<?> observer, Throwable status) {
    try {
      observer.onError(status);
    } catch (RuntimeException e) {
      log.debug("replica {}: error not delivered (call ended): {}", selfId, e.toString());
    }
  }
}
