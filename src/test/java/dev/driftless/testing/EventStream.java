package dev.driftless.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** A Server-Sent Events client that keeps the {@code data:} lines it has read. */
public final class EventStream implements AutoCloseable {

    private final List<String> data = new CopyOnWriteArrayList<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;

    private EventStream(String url, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token).build();
        response = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> r.body().filter(line -> line.startsWith("data:")).forEach(line -> data.add(line.substring(5).strip())));
    }

    /** Follows the stream at {@code url} with the API token, which the stream asks for like every read. */
    public static EventStream open(String url, String token) throws InterruptedException {
        EventStream stream = new EventStream(url, token);
        Thread.sleep(300); // Let the subscription reach the server before the test makes events.
        return stream;
    }

    public List<String> received() {
        return List.copyOf(data);
    }

    @Override
    public void close() {
        response.thenAccept(r -> r.body().close());
        response.cancel(true);
    }
}
