package dev.driftless.nix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

/**
 * One commit's hosts evaluated by several processes that take work from each other: each goes
 * through its own share first and then through the others' from their far end
 * ({@link EvalShares#orders}), so a process whose hosts were cheap helps the one whose hosts
 * were not, as nix-eval-jobs' workers take the next attribute. No process is told what another
 * did: each traces every drvPath the moment it knows it, and once every host is known the
 * processes still running are stopped. The price is at most one host evaluated twice where two
 * processes meet, and a process that helped holds the memory of more hosts than its share.
 */
final class SharedEvaluation {

    /** Runs process {@code index} over {@code order}, telling {@code found} each host's drvPath as it is known. */
    @FunctionalInterface
    interface Process {
        void run(int index, List<String> order, BiConsumer<String, String> found) throws NixFailure;
    }

    /** What one process did: the hosts it was first to know, how long it ran, and whether it was stopped before its end. */
    record Share(List<String> order, List<String> firstToKnow, long millis, boolean stopped) {}

    record Result(Map<String, String> drvPaths, List<Share> shares) {}

    private SharedEvaluation() {}

    /**
     * Every host of {@code orders} (each order holds all of them) to its drvPath; {@code found}
     * hears of each host once. The first failure of a process (a host that does not evaluate)
     * stops the others and is thrown: the commit does not evaluate, as with one process.
     */
    static Result run(List<List<String>> orders, Process process, BiConsumer<String, String> found, ExecutorService threads)
            throws NixFailure {
        int hosts = orders.stream().mapToInt(List::size).max().orElse(0);
        if (hosts == 0) {
            return new Result(Map.of(), List.of());
        }
        Map<String, String> known = new ConcurrentHashMap<>();
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        long start = System.nanoTime();
        Map<String, Integer> knownBy = new ConcurrentHashMap<>();
        AtomicLongArray ended = new AtomicLongArray(orders.size()); // when a process ran to its end, else 0
        AtomicInteger remaining = new AtomicInteger(orders.size());
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            int index = i;
            List<String> order = orders.get(i);
            running.add(threads.submit(() -> {
                try {
                    process.run(index, order, (host, drvPath) -> {
                        if (known.putIfAbsent(host, drvPath) == null) {
                            knownBy.put(host, index);
                            found.accept(host, drvPath);
                            if (known.size() >= hosts) {
                                outcome.complete(null);
                            }
                        }
                    });
                    ended.set(index, Math.max(1, System.nanoTime() - start));
                } catch (NixFailure | RuntimeException e) {
                    outcome.completeExceptionally(e); // a no-op when every host was known and this process was stopped
                } finally {
                    if (remaining.decrementAndGet() == 0 && !outcome.isDone()) { // never seen: nix traces each host it evaluates
                        outcome.completeExceptionally(new NixFailure("nix eval ended without reporting the drvPath of "
                                + orders.get(0).stream().filter(host -> !known.containsKey(host)).toList()));
                    }
                }
            }));
        }
        try {
            outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the shutdown stopping this job
            throw new NixFailure("the evaluation was stopped before every host was evaluated");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof NixFailure failure ? failure : new NixFailure(String.valueOf(e.getCause()));
        } finally {
            running.forEach(share -> share.cancel(true)); // interrupts the wait for a process, which kills it
        }
        long now = System.nanoTime() - start;
        List<Share> shares = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            long end = ended.get(i);
            int index = i;
            List<String> firsts = orders.get(i).stream().filter(host -> Integer.valueOf(index).equals(knownBy.get(host))).toList();
            shares.add(new Share(orders.get(i), firsts, (end == 0 ? now : end) / 1_000_000, end == 0));
        }
        return new Result(new TreeMap<>(known), List.copyOf(shares));
    }
}
