package dev.driftless.job;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Ends the evaluations and builds in progress when the process is asked to stop, so that a stop
 * is prompt and no {@code nix} outlives it: the threads running them are interrupted, which kills
 * their {@code nix} processes. A job cut short this way did not fail: it has no result, and the
 * message that asked for it is left unacknowledged, so the commit is evaluated or built again (on
 * start in process, by another worker with Kafka). Without this, a stop waited for the thread pool
 * to give up (10 s), whose interrupt then reported the commit as broken.
 */
@ApplicationScoped
public class Stopping {

    private final Set<Thread> working = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    /** Marks the calling thread as running a job until the returned handle is closed. */
    public Job job() {
        Thread thread = Thread.currentThread();
        working.add(thread);
        if (stopped) {
            thread.interrupt(); // asked to stop between the check and the registration
        }
        return () -> working.remove(thread);
    }

    /**
     * Runs {@code work} on the message's payload as a job; its result goes out carrying the
     * message's acknowledgement (acknowledged once the result is sent), and a null result (a job
     * cut short by the stop) sends nothing and leaves the message unacknowledged.
     */
    public <I, O> Message<O> answer(Message<I> message, Function<I, O> work) {
        O result;
        try (Job running = job()) {
            result = work.apply(message.getPayload());
        }
        return result == null ? null : message.withPayload(result);
    }

    /** True once the process is stopping: a job that ends now ended because of it. */
    public boolean stopped() {
        return stopped;
    }

    // Before the other observers: nothing else needs these jobs, and the sooner nix dies the sooner the process can.
    void onStop(@Observes @Priority(1) ShutdownEvent stop) {
        stopNow();
    }

    void stopNow() {
        stopped = true;
        working.forEach(Thread::interrupt);
    }

    /** The span of one job on its thread. */
    public interface Job extends AutoCloseable {
        @Override
        void close();
    }
}
