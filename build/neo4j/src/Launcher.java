import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts a Neo4j Community server with only the Bolt connector, on a free
 * loopback port, with auth on and the given password, then writes the port
 * to the ready file and runs until it is terminated.
 *
 * Usage: Launcher DATA_DIR READY_FILE PASSWORD_FILE
 */
public final class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Launcher DATA_DIR READY_FILE PASSWORD_FILE");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        Path readyFile = Path.of(args[1]);
        String password = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip();

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(dataDir)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(5))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        // The default user starts with password "neo4j" that must be changed;
        // set ours so clients log in with it directly.
        system.executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                java.util.Map.of("password", password));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        int port = ((GraphDatabaseAPI) db).getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT)
                .getPort();
        writeAtomically(readyFile, Integer.toString(port));
        System.out.println("neo4j ready on bolt://127.0.0.1:" + port);

        Thread.currentThread().join();
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
