package dev.idgraph.neo4j;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Starts Neo4j Community in this JVM with only the Bolt connector, bound to 127.0.0.1, and prints one ready line
 * ({@code IDGRAPH_NEO4J_READY bolt://127.0.0.1:PORT}) once the default database is available. It runs until the
 * process receives SIGTERM/SIGINT, then shuts the database down cleanly so the store is never left dirty.
 *
 * <p>Arguments: {@code --port N --home DIR [--pagecache-mb N]}. The password, when wanted, comes from the
 * {@code IDGRAPH_NEO4J_PASSWORD} environment variable rather than argv, so it never shows in a process listing.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    int port = Integer.parseInt(options.getOrDefault("--port", "7687"));
    Path home = Path.of(options.getOrDefault("--home", ".idgraph/neo4j")).toAbsolutePath();
    long pageCacheMb = Long.parseLong(options.getOrDefault("--pagecache-mb", "256"));
    String password = System.getenv("IDGRAPH_NEO4J_PASSWORD");
    boolean authEnabled = password != null && !password.isEmpty();

    DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
        .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
        .setConfig(GraphDatabaseSettings.auth_enabled, authEnabled)
        // Tests and the demo never need the transaction log history; keep the data folder small.
        .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
        .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.shutdown();
      stopped.countDown();
    }, "idgraph-neo4j-shutdown"));

    if (authEnabled) {
      // The built-in user starts with a default password that must be changed; set the requested one now.
      service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
          "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    }
    // Touch the default database so "ready" means the database answers, not only that the JVM is up.
    service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");

    System.out.println("IDGRAPH_NEO4J_READY bolt://127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }

  private static Map<String, String> parse(String[] args) {
    java.util.HashMap<String, String> options = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    return options;
  }
}
