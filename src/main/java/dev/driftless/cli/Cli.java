package dev.driftless.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code driftless}: a small client of the REST API for people and scripts. Exit codes: 0 done
 * (for {@code status}: every host InSync), 1 the API refused or failed, 2 wrong usage, 3
 * {@code status} found a host that is not InSync.
 */
public final class Cli {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NOT_IN_SYNC = 3;

    private static final String HELP = """
            usage: driftless [--url URL] [--token TOKEN | --token-file FILE] [--json] COMMAND
              status            every host: state, generation, commit, drift (exit 3 if one is not InSync)
              hosts             the hosts and where they live
              history HOST      what happened to a host, newest first
              sync HOST         reconcile a host now
              rollback HOST     roll a host back to its previous generation
              events            follow the event stream (Ctrl-C to stop)
            Every command needs the API token (<data-dir>/api-token unless driftless.api.token is set).
            URL defaults to $DRIFTLESS_URL or http://localhost:8080; the token to $DRIFTLESS_TOKEN.
            """;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PrintStream out;
    private final PrintStream err;
    private String url = Optional.ofNullable(System.getenv("DRIFTLESS_URL")).orElse("http://localhost:8080");
    private String token = System.getenv("DRIFTLESS_TOKEN");
    private boolean asJson;

    Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new Cli(System.out, System.err).run(args));
    }

    int run(String[] args) {
        List<String> rest = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--url" -> url = args[++i];
                    case "--token" -> token = args[++i];
                    case "--token-file" -> token = Files.readString(Path.of(args[++i])).strip();
                    case "--json" -> asJson = true;
                    case "-h", "--help" -> {
                        out.print(HELP);
                        return OK;
                    }
                    default -> rest.add(args[i]);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | IOException e) {
            err.println("driftless: " + (e instanceof IOException ? "cannot read the token file: " + e.getMessage() : "an option lacks its value"));
            return USAGE;
        }
        if (rest.isEmpty()) {
            err.print(HELP);
            return USAGE;
        }
        String command = rest.get(0);
        String host = rest.size() > 1 ? rest.get(1) : null;
        try {
            return switch (command) {
                case "status" -> status();
                case "hosts" -> hosts();
                case "history" -> host == null ? usage("history needs a HOST") : history(host);
                case "sync", "rollback" -> host == null ? usage(command + " needs a HOST") : act(command, host);
                case "events" -> events();
                default -> usage("no command " + command);
            };
        } catch (ApiError e) {
            err.println("driftless: " + e.getMessage());
            return FAILED;
        } catch (IOException e) {
            err.println("driftless: cannot reach " + url + ": " + e.getMessage() + "; is Driftless running? (--url or $DRIFTLESS_URL)");
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }

    private int status() throws IOException, InterruptedException {
        JsonNode hosts = get("/api/v1/hosts");
        boolean allInSync = true;
        for (JsonNode h : hosts) {
            allInSync &= h.path("inSync").asBoolean(false);
        }
        if (asJson) {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(hosts));
        } else {
            Table table = new Table("HOST", "STATE", "GEN", "COMMIT", "DRIFT SINCE", "MESSAGE");
            for (JsonNode h : hosts) {
                table.row(h.path("name").asText(), h.path("state").asText(), text(h.path("actual").path("generation")),
                        abbrev(h.path("desired").path("commit").asText("")), h.path("driftSince").asText("-").replace("null", "-"),
                        h.path("message").asText(""));
            }
            table.print(out);
        }
        return allInSync ? OK : NOT_IN_SYNC;
    }

    private int hosts() throws IOException, InterruptedException {
        JsonNode hosts = get("/api/v1/hosts");
        if (asJson) {
            List<Object> slim = new ArrayList<>();
            hosts.forEach(h -> slim.add(java.util.Map.of("name", h.path("name").asText(), "target", h.path("target").asText())));
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(slim));
            return OK;
        }
        Table table = new Table("HOST", "TARGET");
        hosts.forEach(h -> table.row(h.path("name").asText(), h.path("target").asText()));
        table.print(out);
        return OK;
    }

    private int history(String host) throws IOException, InterruptedException {
        JsonNode entries = get("/api/v1/hosts/" + host + "/history");
        if (asJson) {
            out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(entries));
            return OK;
        }
        Table table = new Table("AT", "WHAT", "COMMIT", "GEN", "STATE", "MESSAGE");
        for (JsonNode e : entries) {
            table.row(e.path("at").asText(), e.path("kind").asText(), abbrev(e.path("commit").asText("")), text(e.path("generation")),
                    e.path("state").asText("").replace("null", ""), e.path("message").asText("").replace("null", ""));
        }
        table.print(out);
        return OK;
    }

    private int act(String action, String host) throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(URI.create(url + "/api/v1/hosts/" + host + "/" + action))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30))).build();
        JsonNode body = check(send(request), action + " " + host);
        out.println(asJson ? body.toString() : action + " " + host + ": " + body.path("message").asText(body.toString()));
        return OK;
    }

    private int events() throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(URI.create(url + "/api/v1/events")).header("Accept", "text/event-stream").GET())
                .build();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body;
            try (java.io.InputStream in = response.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            }
            check(new Answer(response.statusCode(), body), "GET /api/v1/events");
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).strip();
                if (asJson) {
                    out.println(data);
                } else {
                    JsonNode e = json.readTree(data);
                    out.println(e.path("time").asText() + "  " + e.path("subject").asText() + "  "
                            + e.path("type").asText().replace("dev.driftless.", "") + "  " + e.path("data"));
                }
                out.flush();
            }
        }
        return OK;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return check(send(authorized(HttpRequest.newBuilder(URI.create(url + path)).GET().timeout(Duration.ofSeconds(30))).build()), "GET " + path);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    private Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    /** What the API answered: its status and body. */
    private record Answer(int status, String body) {}

    private JsonNode check(Answer response, String what) throws IOException {
        JsonNode body;
        try {
            body = response.body().isBlank() ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException notJson) {
            body = json.createObjectNode().put("message", response.body().strip());
        }
        if (response.status() >= 300) {
            String why = body.path("error").asText(body.path("message").asText(response.body()));
            throw new ApiError(what + " answered " + response.status() + ": " + why
                    + (response.status() == 401 ? " (give --token, --token-file or $DRIFTLESS_TOKEN)" : ""));
        }
        return body;
    }

    private int usage(String why) {
        err.println("driftless: " + why);
        err.print(HELP);
        return USAGE;
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? "-" : node.asText();
    }

    private static String abbrev(String sha) {
        return sha.isEmpty() || sha.equals("null") ? "-" : sha.substring(0, Math.min(12, sha.length()));
    }

    static final class ApiError extends IOException {
        ApiError(String message) {
            super(message);
        }
    }
}
