package dev.driftless.host.transport;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * File-system notifications (inotify on Linux) for every local host of this process through one
 * watch service and one thread: a watch service per host would run into the kernel's limit of
 * inotify instances per user (128 by default) long before the limit of watches.
 */
final class FileWatches {

    private static final Logger LOG = Logger.getLogger(FileWatches.class);
    private static FileWatches shared;

    /** One listener: the names in a directory it cares about, and what to call. */
    private record Listener(Set<String> names, Runnable changed) {}

    private final WatchService service;
    private final Map<WatchKey, List<Listener>> listeners = new ConcurrentHashMap<>();
    private volatile boolean warned;

    private FileWatches(WatchService service) {
        this.service = service;
        Thread pump = new Thread(this::pump, "file-watches");
        pump.setDaemon(true);
        pump.start();
    }

    static synchronized FileWatches shared() throws IOException {
        if (shared == null) {
            shared = new FileWatches(FileSystems.getDefault().newWatchService());
        }
        return shared;
    }

    /**
     * Calls {@code changed} whenever an entry named in {@code names} is created, replaced or
     * removed in one of {@code dirs}; null when a directory cannot be watched (it does not exist
     * yet, or the kernel's watches ran out), so the caller relies on the resync.
     */
    HostWatch watch(List<Path> dirs, Set<String> names, Runnable changed) {
        Listener listener = new Listener(Set.copyOf(names), changed);
        List<WatchKey> keys = new CopyOnWriteArrayList<>();
        try {
            for (Path dir : dirs) {
                WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
                listeners.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(listener);
                keys.add(key);
            }
        } catch (IOException | ClosedWatchServiceException e) {
            remove(keys, listener);
            if (!(e instanceof java.nio.file.NoSuchFileException) && !warned) {
                warned = true;
                LOG.warnf("cannot watch %s for changes (%s); such hosts are seen at each resync only. Raise fs.inotify.max_user_watches "
                        + "if it ran out", dirs, e.getMessage());
            }
            return null;
        }
        return new HostWatch() {
            private volatile boolean open = true;

            @Override
            public boolean alive() {
                return open && keys.stream().allMatch(WatchKey::isValid);
            }

            @Override
            public void close() {
                open = false;
                remove(keys, listener);
            }
        };
    }

    private void remove(List<WatchKey> keys, Listener listener) {
        for (WatchKey key : keys) {
            List<Listener> left = listeners.get(key);
            if (left != null) {
                left.remove(listener);
                if (left.isEmpty()) {
                    listeners.remove(key);
                    key.cancel();
                }
            }
        }
    }

    private void pump() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            List<Listener> those = listeners.getOrDefault(key, List.of());
            for (WatchEvent<?> event : key.pollEvents()) {
                boolean overflow = event.kind() == StandardWatchEventKinds.OVERFLOW;
                String name = overflow ? null : String.valueOf(event.context());
                for (Listener l : those) {
                    if (overflow || l.names().contains(name)) {
                        try {
                            l.changed().run();
                        } catch (RuntimeException e) {
                            LOG.warnf(e, "a file watch's listener failed");
                        }
                    }
                }
            }
            key.reset();
        }
    }
}
