package portal.testcluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A loopback SolrCloud for the portal's tests: an embedded ZooKeeper and two Solr nodes (Jetty)
 * in this JVM, all on 127.0.0.1 with free ports, data in a temporary directory deleted on exit.
 *
 * <p>Protocol (stdout carries nothing else; logs go to stderr):
 *
 * <pre>
 * READY {"zk": "127.0.0.1:port/solr", "nodes": ["http://127.0.0.1:p0/solr", ...]}
 * </pre>
 *
 * then one command per stdin line: {@code stop N}, {@code start N} (same port as before),
 * {@code quit}; each answered by {@code OK <command>} or {@code ERR <message>}. EOF on stdin
 * shuts the cluster down, so a killed parent never leaves this JVM behind.
 */
public final class TestCluster {
  private static final int NODES = 2;

  // Jersey logs through java.util.logging; a strong reference keeps the level set.
  private static final java.util.logging.Logger JERSEY =
      java.util.logging.Logger.getLogger("org.glassfish");

  private TestCluster() {}

  public static void main(String[] args) throws Exception {
    // Keep stdout for the protocol only: anything else printing to System.out goes to stderr.
    PrintStream out =
        new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    System.setOut(System.err);
    JERSEY.setLevel(java.util.logging.Level.SEVERE);

    int nodes = NODES;
    if (args.length > 0) {
      nodes = Integer.parseInt(args[0]);
    }

    Path base = Files.createTempDirectory("solr-testcluster-");
    configure(base);

    MiniSolrCloudCluster cluster;
    try {
      JettyConfig jettyConfig = JettyConfig.builder().setContext("/solr").setPort(0).build();
      cluster = new MiniSolrCloudCluster(nodes, base, jettyConfig);
    } catch (Throwable t) {
      t.printStackTrace();
      deleteTree(base);
      System.exit(1);
      return;
    }

    // Our own fixed-order view of the nodes: the cluster's list drops stopped nodes.
    List<JettySolrRunner> jettys = new ArrayList<>(cluster.getJettySolrRunners());
    jettys.sort((a, b) -> Integer.compare(a.getLocalPort(), b.getLocalPort()));

    Thread hook = new Thread(() -> shutdown(cluster, jettys, base), "testcluster-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    StringBuilder json = new StringBuilder();
    json.append("{\"zk\": \"").append(cluster.getZkServer().getZkAddress()).append("\", \"nodes\": [");
    for (int i = 0; i < jettys.size(); i++) {
      if (i > 0) json.append(", ");
      json.append('"').append(jettys.get(i).getBaseUrl()).append('"');
    }
    json.append("]}");
    out.println("READY " + json);

    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String cmd = line.trim();
      if (cmd.isEmpty()) continue;
      String[] parts = cmd.split("\\s+");
      try {
        if (parts[0].equals("quit") && parts.length == 1) {
          break;
        } else if ((parts[0].equals("stop") || parts[0].equals("start")) && parts.length == 2) {
          int n = Integer.parseInt(parts[1]);
          if (n < 0 || n >= jettys.size()) {
            out.println("ERR no node " + n);
            continue;
          }
          JettySolrRunner jetty = jettys.get(n);
          if (parts[0].equals("stop")) {
            if (jetty.isRunning()) cluster.stopJettySolrRunner(jetty);
          } else if (!jetty.isRunning()) {
            cluster.startJettySolrRunner(jetty, true); // reuse the port
            cluster.waitForNode(jetty, 60);
          }
          out.println("OK " + cmd);
        } else {
          out.println("ERR unknown command: " + cmd);
        }
      } catch (Throwable t) {
        t.printStackTrace();
        out.println("ERR " + cmd + ": " + String.valueOf(t).replace('\n', ' '));
      }
    }
    shutdown(cluster, jettys, base);
    out.println("OK quit");
    out.flush();
    Runtime.getRuntime().halt(0); // do not wait on lingering non-daemon threads
  }

  /** System properties the Solr test framework otherwise gets from SolrTestCaseJ4. */
  private static void configure(Path base) throws IOException {
    Path logs = Files.createDirectories(base.resolve("logs"));
    setDefault("solr.log.dir", logs.toString());
    setDefault("solr.solr.home", base.toString());
    setDefault("solr.install.dir", base.toString());
    setDefault("hostContext", "/solr");
    setDefault("jetty.testMode", "true");
    setDefault("solr.allowPaths", "*");
    setDefault("solr.disableConfigSetsCreateAuthChecks", "true");
    setDefault("solr.zkclienttimeout", "30000");
    setDefault("zookeeper.admin.enableServer", "false");
    setDefault("zookeeper.forceSync", "no");
    setDefault("solr.autoSoftCommit.maxTime", "-1");
    setDefault("solr.jetty.inetaccess.includes", "");
    setDefault("solr.ssl.checkPeerName", "false");
    setDefault("solr.directoryFactory", "solr.NRTCachingDirectoryFactory");
    setDefault("tests.asserts", "false");
    setDefault("solr.enableMetrics", "false");
    setDefault("metricsEnabled", "false");
    setDefault("solr.tests.ramBufferSizeMB", "32");
    setDefault("leaderVoteWait", "5000");
    setDefault("solr.cloud.wait-for-updates-with-stale-state-pause", "500");
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) System.setProperty(key, value);
  }

  private static volatile boolean down;

  private static synchronized void shutdown(
      MiniSolrCloudCluster cluster, List<JettySolrRunner> jettys, Path base) {
    if (down) return;
    down = true;
    try {
      // Nodes restarted with `start N` are not in the cluster's own list again in every version.
      List<JettySolrRunner> listed = cluster.getJettySolrRunners();
      for (JettySolrRunner jetty : jettys) {
        if (jetty.isRunning() && !listed.contains(jetty)) {
          try {
            jetty.stop();
          } catch (Throwable t) {
            t.printStackTrace();
          }
        }
      }
      cluster.shutdown();
    } catch (Throwable t) {
      t.printStackTrace();
    } finally {
      deleteTree(base);
    }
  }

  private static void deleteTree(Path root) {
    try {
      if (!Files.exists(root)) return;
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.err.println("testcluster: could not delete " + root + ": " + e);
    }
  }
}
