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
 * The only way gRPC threads reach the {@link CellServer}: they enqueue a task on the replica's
 * loop and return; answers come back through {@link #reply} from the loop thread. A full loop
 * means RESOURCE_EXHAUSTED at once. A task that throws answers INTERNAL and leaves the loop
 * running.
 */
public final class CellGateway {
  private static final Logger log = LoggerFactory.getLogger(CellGateway.class);

  /**
   * Where tasks for the replica's thread go: the {@link ReplicaLoop} in production; a
   * deterministic simulation passes its own (tasks run in order on its event queue, each followed
   * by the replica's flush, as the loop does).
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
    boolean queued = loop.submit(r -> {
      try {
        task.accept(cell);
      } catch (RuntimeException e) {
        log.error("replica {}: request handler failed", selfId, e);
        fail(observer, errors.toStatus(ServerError.internal("internal error: " + e)));
      }
    });
    if (!queued) {
      fail(observer, errors.overloaded(selfId));
    }
  }

  /** Runs {@code task} on the loop; tells {@code reply} if it could not be queued or failed. */
  public void run(Reply<?> reply, Consumer<CellServer> task) {
    boolean queued = loop.submit(r -> {
      try {
        task.accept(cell);
      } catch (RuntimeException e) {
        log.error("replica {}: request handler failed", selfId, e);
        reply.error(ServerError.internal("internal error: " + e));
      }
    });
    if (!queued) {
      reply.error(GrpcErrors.overloadedError(selfId));
    }
  }

  /** Queues a task with no caller to tell; false if the loop is full or stopped. */
  public boolean submit(Consumer<CellServer> task) {
    return loop.submit(r -> {
      try {
        task.accept(cell);
      } catch (RuntimeException e) {
        log.error("replica {}: task failed", selfId, e);
      }
    });
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

  private void fail(StreamObserver<?> observer, Throwable status) {
    try {
      observer.onError(status);
    } catch (RuntimeException e) {
      log.debug("replica {}: error not delivered (call ended): {}", selfId, e.toString());
    }
  }
}
